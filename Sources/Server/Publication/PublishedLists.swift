import Store
import Synchronization

/// The current publication of every list, readable from any thread without waiting on the publisher.
///
/// A read takes the lock only long enough to copy one reference-counted value out, so the hot path never waits
/// for encoding or signing, which happen before ``replace(_:)``.
public final class PublishedLists: Sendable {
    private let current = Mutex<[String: PublishedList]>([:])

    /// Creates an empty set.
    public init() {}

    /// The current publication of `listId`, or nil when the list is unknown or not yet published.
    public func get(_ listId: String) -> PublishedList? {
        current.withLock { $0[listId] }
    }

    /// Swaps in a new publication of its list.
    public func replace(_ publication: PublishedList) {
        current.withLock { $0[publication.definition.id] = publication }
    }

    /// How many lists are published.
    public var count: Int { current.withLock { $0.count } }

    /// A snapshot of every current publication.
    public func all() -> [PublishedList] {
        current.withLock { Array($0.values) }
    }
}
