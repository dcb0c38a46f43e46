import Store
import Synchronization

/// The current publication of every list and its prepared answers, readable from any thread without waiting on the
/// publisher: what the router and the event-loop fast path serve status reads from.
///
/// A read takes the lock only long enough to copy one reference-counted value out, so the hot path never waits
/// for encoding or signing, which happen before ``replace(_:)``. Each publication swapped in also gets its answers
/// prepared (``PreparedStatusReads``), once, outside the lock. The ``Publisher`` hands publications over through
/// ``PublicationSink``, so publication knows nothing of HTTP.
public final class PublishedLists: PublicationSink {
    private struct State {
        var publications: [String: PublishedList] = [:]
        var prepared: [String: PreparedStatusReads] = [:]
    }

    private let current = Mutex<State>(State())
    /// Advanced after every ``replace(_:)``: readers that keep prepared answers per connection check it instead of
    /// taking the lock on every request.
    private let replacements = Atomic<Int>(0)
    /// Advanced when a replacement changes which lists there are, their owners or whether they have IETF tokens:
    /// what the Status List Aggregations list (``StatusAggregationReads`` rebuilds them when it moves), not every
    /// republication.
    private let memberships = Atomic<Int>(0)

    /// Where large bodies are kept as files for `sendfile` (``BodyFile``); nil for memory or the temporary directory.
    private let bodyFileDirectory: String?

    /// Creates an empty set.
    /// - Parameter bodyFileDirectory: Where to keep large bodies as unnamed files for `sendfile`: the data directory,
    ///   whose file system serves them more cheaply than memory does (``BodyFile``); nil for `/dev/shm`.
    public init(bodyFileDirectory: String? = nil) {
        self.bodyFileDirectory = bodyFileDirectory
    }

    /// The current publication of `listId`, or nil when the list is unknown or not yet published.
    public func get(_ listId: String) -> PublishedList? {
        current.withLock { $0.publications[listId] }
    }

    /// Swaps in a new publication of its list.
    public func replace(_ publication: PublishedList) {
        let prepared = PreparedStatusReads(publication, bodyFileDirectory: bodyFileDirectory)
        let membershipChanged = current.withLock { state in
            let previous = state.publications[publication.definition.id]
            state.publications[publication.definition.id] = publication
            state.prepared[publication.definition.id] = prepared
            return previous?.definition.owner != publication.definition.owner
                || previous?.hasStatusListToken != publication.hasStatusListToken
        }
        if membershipChanged { memberships.wrappingAdd(1, ordering: .releasing) }
        replacements.wrappingAdd(1, ordering: .releasing)
    }

    /// How many lists are published.
    public var count: Int { current.withLock { $0.publications.count } }

    /// A snapshot of every current publication.
    public func all() -> [PublishedList] {
        current.withLock { Array($0.publications.values) }
    }

    /// The prepared answers for the current publication of `listId`, served by the router and the fast path.
    func preparedReads(_ listId: String) -> PreparedStatusReads? {
        current.withLock { $0.prepared[listId] }
    }

    /// Changes whenever a publication is replaced; prepared answers fetched while it had the same value are at most
    /// as old as that replacement.
    var generation: Int { replacements.load(ordering: .acquiring) }

    /// Changes whenever the set of lists, an owner or the presence of a list's IETF tokens changes.
    var membershipGeneration: Int { memberships.load(ordering: .acquiring) }
}

extension PublishedList {
    /// Whether the publication includes the IETF Status List Token (the JWT form; the CWT comes with it).
    var hasStatusListToken: Bool { representations[.statusListJWT] != nil }
}
