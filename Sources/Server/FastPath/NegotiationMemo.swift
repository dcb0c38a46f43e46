/// Remembers the outcome of ``ContentNegotiation/choose(accept:offers:)`` per `Accept` value and set of offers, for
/// one connection of the event-loop fast path.
///
/// Negotiating splits and lowercases the header and every offer on each call, the largest share of a status read's
/// CPU; clients send the same `Accept` value on every request, so asking once per distinct value is enough. The
/// outcome depends only on the value and the offers, and the offers only on which representations a list has
/// (``ContentNegotiation/offers(available:)``), so a bitmask of those identifies them.
struct NegotiationMemo {
    private struct Key: Hashable {
        let offerSet: UInt8
        let accept: [UInt8]
    }

    /// Values remembered per connection; when full the memo starts over (clients use one or two values).
    static let capacity = 16
    /// Longer values are negotiated every time rather than kept: the memo must not hold large client input.
    static let longestRemembered = 512

    private var last: (key: Key, position: Int?)?
    private var remembered: [Key: Int?] = [:]

    /// The position in `offers` of the offer `accept` chooses, or nil when none is acceptable.
    /// - Parameters:
    ///   - accept: The `Accept` header value's bytes, or nil when absent.
    ///   - offerSet: Identifies `offers`: equal for equal offer lists.
    ///   - offers: The offers, in server preference order.
    mutating func position(accept: UnsafeRawBufferPointer?, offerSet: UInt8, offers: [ContentNegotiation.Offer]) -> Int? {
        guard let accept else { return offers.isEmpty ? nil : 0 }
        // The value a connection sent last time, compared as bytes: no `String` and no hashing on the common path.
        if let last, last.key.offerSet == offerSet, last.key.accept.withUnsafeBytes({ $0.hasSameBytes(as: accept) }) {
            return last.position
        }
        guard accept.count <= Self.longestRemembered else {
            return ContentNegotiation.choosePosition(accept: String(decoding: accept, as: UTF8.self), offers: offers)
        }
        let key = Key(offerSet: offerSet, accept: Array(accept))
        let position: Int?
        if let known = remembered[key] {
            position = known
        } else {
            position = ContentNegotiation.choosePosition(accept: String(decoding: accept, as: UTF8.self), offers: offers)
            if remembered.count >= Self.capacity { remembered.removeAll(keepingCapacity: true) }
            remembered[key] = position
        }
        last = (key, position)
        return position
    }

}
