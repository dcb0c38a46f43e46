import NIOCore

/// An answer the event-loop fast path writes itself.
enum FastPathAnswer {
    /// A pre-serialised head (status line through `Content-Length`) and the body, nil for HEAD and 304; a large body
    /// also comes as a file to send it from, and a GET of one with its ``PreparedResponse`` (`whole`), which may have
    /// the whole answer in one file.
    case prepared(head: ByteBuffer, body: ByteBuffer?, file: BodyFile?, whole: PreparedResponse? = nil)
    /// A direct lookup of an index known to be inside the list.
    case lookup(PreparedLookup, index: Int)

    /// Whether the answer is a head alone (a 304 or the answer to HEAD): one buffer, the head and the tail of `heads`.
    var isBodiless: Bool {
        if case .prepared(_, nil, nil, nil) = self { return true }
        return false
    }

    /// Hands the answer's bytes to `write` in order: the head and the tail of `heads` (the `Date`/`Server` lines and
    /// the blank line) as one buffer, then the body, which goes to `sendFile` instead when it has a file (and to
    /// `write` when `sendFile` cannot send it). When the whole answer is in one file for the current second, only that
    /// file goes to `sendFile`, with `afterHead` false (nothing to hold back before it).
    func write(
        heads: inout ResponseHeadTail, allocator: ByteBufferAllocator, to write: (ByteBuffer) -> Void,
        sendFile: (_ file: BodyFile, _ afterHead: Bool) -> Bool
    ) {
        switch self {
        case .prepared(let head, let body, let file, let whole):
            if let whole {
                let tail = heads.current()
                if let answer = whole.wholeAnswerFile(second: heads.second, tail: tail), sendFile(answer, false) { return }
            }
            write(heads.joined(head))
            if let body, file.map({ sendFile($0, true) }) != true { write(body) }
        case .lookup(let lookup, let index):
            // The index was checked against the list when the request was accepted, so this is never nil.
            if let response = lookup.response(index: index, tail: heads.current(), allocator: allocator) { write(response) }
        }
    }
}

/// Decides, for one connection, which status reads the fast path answers and with which prepared bytes; shared by
/// the handler before NIO's decoder (``RawStatusReadHandler``) and the one after it (``StatusFastPathHandler``), so
/// both answer alike.
struct StatusReadResolver {
    private let configuration: StatusFastPathConfiguration
    private var negotiation = NegotiationMemo()
    private var publications = PreparedReadsCache()

    init(configuration: StatusFastPathConfiguration) {
        self.configuration = configuration
    }

    /// The answer to a `GET` (or `HEAD` when `headOnly`) of `target`, or nil to leave the request to the router.
    ///
    /// Everything comes as the request's bytes: a repeated read (the same list, `Accept` and `If-None-Match` as the
    /// connection's previous one) is answered without building a `String`.
    /// - Parameters:
    ///   - headOnly: Whether the method is `HEAD`.
    ///   - target: The request target.
    ///   - accept: The request's one `Accept` value, nil when absent.
    ///   - ifNoneMatch: The request's one `If-None-Match` value, nil when absent.
    mutating func answer(
        headOnly: Bool, target: UnsafeRawBufferPointer, accept: UnsafeRawBufferPointer?, ifNoneMatch: UnsafeRawBufferPointer?
    ) -> FastPathAnswer? {
        guard let read = StatusReadTarget(target) else { return nil }
        switch read {
        case .list(let id, let format):
            guard let reads = publications.reads(UnsafeRawBufferPointer(rebasing: target[id]), in: configuration.published) else { return nil }
            let prepared: PreparedResponse
            if let format {
                guard let forced = reads.perFormat(format) else { return nil }
                prepared = forced
            } else {
                guard let position = negotiation.position(accept: accept, offerSet: reads.offerSet, offers: reads.offers),
                    position < reads.negotiated.count
                else { return nil }
                prepared = reads.negotiated[position]
            }
            if let ifNoneMatch, prepared.isNotModified(ifNoneMatch: ifNoneMatch) {
                return .prepared(head: prepared.notModifiedHead, body: nil, file: nil)
            }
            if headOnly { return .prepared(head: prepared.okHead, body: nil, file: nil) }
            return .prepared(head: prepared.okHead, body: prepared.body, file: prepared.file, whole: prepared.file == nil ? nil : prepared)
        case .lookup(let id, let index):
            guard !headOnly, configuration.directLookupEnabled,
                let lookup = publications.reads(UnsafeRawBufferPointer(rebasing: target[id]), in: configuration.published)?.lookup,
                lookup.contains(index)
            else { return nil }
            return .lookup(lookup, index: index)
        }
    }
}

/// The prepared answers of the lists one connection reads, kept while no publication was replaced so that a request
/// neither takes the ``PublishedLists`` lock nor builds a `String` for the list id.
private struct PreparedReadsCache {
    /// A connection usually reads one list; a few more cover clients that check several.
    static let capacity = 2
    private var generation = -1
    private var entries: [(id: [UInt8], reads: PreparedStatusReads)] = []

    mutating func reads(_ id: UnsafeRawBufferPointer, in published: PublishedLists) -> PreparedStatusReads? {
        // Read the generation first: whatever is fetched afterwards is at least as new as it.
        let current = published.generation
        if current != generation {
            entries.removeAll(keepingCapacity: true)
            generation = current
        }
        for entry in entries where entry.id.withUnsafeBytes({ $0.hasSameBytes(as: id) }) { return entry.reads }
        guard let found = published.preparedReads(String(decoding: id, as: UTF8.self)) else { return nil }
        if entries.count >= Self.capacity { entries.removeFirst() }
        entries.append((Array(id), found))
        return found
    }
}
