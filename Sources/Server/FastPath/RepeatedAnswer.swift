import NIOCore

/// The last bodiless answer (a 304 or a HEAD) the fast path gave on a connection, kept with the exact bytes of its
/// request.
///
/// A verifier or wallet revalidating a list sends the same request again and again on its connection. While no list
/// was published since and the second is the same (the answer's `Date`), the answer to the same bytes is the same
/// bytes: the fast path then compares the request with the remembered one and writes the remembered buffer, skipping
/// the scan of the header block, the lookup of the list, the negotiation and the `If-None-Match` comparison.
///
/// Only bodiless answers are kept: their buffer is a copy of a few hundred bytes, so keeping it never keeps a
/// replaced publication alive.
struct RepeatedAnswer {
    private var request: [UInt8] = []
    private var answer = ByteBuffer()
    private var generation = -1
    private var second = Int.min

    /// The remembered answer and the length of its request when `input` starts with that request's bytes, the
    /// publications are still at `generation` and the time is still in `second`; nil otherwise.
    func answer(for input: UnsafeRawBufferPointer, generation: Int, second: Int) -> (answer: ByteBuffer, length: Int)? {
        guard generation == self.generation, second == self.second, !request.isEmpty, input.count >= request.count else { return nil }
        let matches = request.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: input[..<$0.count]).hasSameBytes(as: $0) }
        return matches ? (answer, request.count) : nil
    }

    /// Remembers `answer`, all the bytes written for `request`.
    /// - Parameters:
    ///   - generation: ``PublishedLists/generation`` read before the request was answered.
    ///   - second: The second (Unix time) of the answer's `Date`.
    mutating func remember(request: UnsafeRawBufferPointer, answer: ByteBuffer, generation: Int, second: Int) {
        self.request.removeAll(keepingCapacity: true)
        self.request.append(contentsOf: request)
        self.answer = answer
        self.generation = generation
        self.second = second
    }
}
