/// Chooses a representation from an `Accept` header (RFC 9110 §12.5.1): quality values, `type/*` and `*/*`
/// wildcards, `q=0` as "not acceptable".
public struct ContentNegotiation: Sendable {
    /// An offer: the media type a client may ask for, and the representation that answers it.
    public struct Offer: Sendable, Equatable {
        /// The media type as it appears in `Accept` and in the response's `Content-Type`.
        public let mediaType: String
        public let representation: StatusMediaType

        /// Creates an offer.
        public init(_ mediaType: String, _ representation: StatusMediaType) {
            self.mediaType = mediaType
            self.representation = representation
        }
    }

    /// Aliases accepted for the Data Integrity credential: the W3C media types a JSON-LD loader sends.
    public static let credentialAliases = ["application/vc+ld+json", "application/ld+json", "application/json"]

    /// The offers for a set of available representations, in server preference order: the preferred one
    /// answers a missing `Accept` and `*/*`.
    public static func offers(available: [StatusMediaType]) -> [Offer] {
        var offers = available.map { Offer($0.rawValue, $0) }
        if available.contains(.vc) {
            offers += credentialAliases.map { Offer($0, .vc) }
        }
        return offers
    }

    private struct Range {
        let type: Substring
        let subtype: Substring
        let quality: Double

        func matches(_ mediaType: String) -> Int? {
            if type == "*" && subtype == "*" { return 0 }
            let parts = mediaType.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == type.lowercased() else { return nil }
            if subtype == "*" { return 1 }
            return parts[1].lowercased() == subtype.lowercased() ? 2 : nil
        }
    }

    /// Picks the best offer for `accept`.
    /// - Parameters:
    ///   - accept: The `Accept` header value, or nil when absent (then the first offer).
    ///   - offers: The offers, in server preference order.
    /// - Returns: The chosen offer, or nil when nothing is acceptable (406).
    public static func choose(accept: String?, offers: [Offer]) -> Offer? {
        choosePosition(accept: accept, offers: offers).map { offers[$0] }
    }

    /// Picks the best offer for `accept`, as ``choose(accept:offers:)`` does, and tells where it is in `offers`.
    /// - Parameters:
    ///   - accept: The `Accept` header value, or nil when absent (then the first offer).
    ///   - offers: The offers, in server preference order.
    /// - Returns: The position of the chosen offer in `offers`, or nil when nothing is acceptable (406).
    static func choosePosition(accept: String?, offers: [Offer]) -> Int? {
        guard !offers.isEmpty else { return nil }
        guard let accept, !accept.allSatisfy({ $0 == " " }) else { return 0 }
        let ranges = accept.split(separator: ",").compactMap(parseRange)
        guard !ranges.isEmpty else { return 0 }
        var best: (quality: Double, position: Int)?
        for (position, offer) in offers.enumerated() {
            // The most specific matching range decides an offer's quality.
            var specificity = -1
            var quality = 0.0
            for range in ranges {
                if let match = range.matches(offer.mediaType), match > specificity {
                    specificity = match
                    quality = range.quality
                }
            }
            guard specificity >= 0, quality > 0 else { continue }
            if best == nil || quality > best!.quality {
                best = (quality, position)
            }
        }
        return best?.position
    }

    private static func parseRange(_ element: Substring) -> Range? {
        let pieces = element.split(separator: ";")
        guard let typePart = pieces.first else { return nil }
        let trimmed = typePart.trimmingSpaces
        let typeAndSubtype = trimmed.split(separator: "/", maxSplits: 1)
        guard typeAndSubtype.count == 2, !typeAndSubtype[0].isEmpty, !typeAndSubtype[1].isEmpty else { return nil }
        var quality = 1.0
        for parameter in pieces.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "q" else { continue }
            guard let value = Double(pair[1].trimmingSpaces), (0...1).contains(value) else { return nil }
            quality = value
        }
        return Range(type: typeAndSubtype[0], subtype: typeAndSubtype[1], quality: quality)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }
}
