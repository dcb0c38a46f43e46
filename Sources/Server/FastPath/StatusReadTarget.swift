/// The public status read a request target asks for, as far as the event-loop fast path answers it: found by looking
/// at the target's bytes, without building strings or calling Foundation.
///
/// Anything this does not recognise exactly (a query string, percent-encoding, a fragment, non-ASCII bytes, a
/// suffix that is not a format, an index that is not plain digits, more path segments) is nil and goes to the router,
/// which has the final word and produces the problem responses. Recognised targets mean what the router's routes
/// (``StatusReadController/endpoints``) make of them.
enum StatusReadTarget: Equatable {
    /// `/status/{id}` (negotiated, `format` nil) or `/status/{id}.{suffix}` (one format).
    case list(id: Substring, format: StatusMediaType?)
    /// `/status/{id}/{index}`, the direct lookup.
    case lookup(id: Substring, index: Int)

    /// The most digits an index may have here: 18 never overflow `Int`; longer ones go to the router.
    static let longestIndex = 18

    /// Recognises `target` (the request line's target).
    /// - Parameter target: The request target, e.g. `/status/abc.jwt`.
    /// - Returns: The read, or nil to leave the request to the router.
    init?(_ target: String) {
        let bytes = target.utf8
        var position = bytes.startIndex
        for expected in "/status/".utf8 {
            guard position != bytes.endIndex, bytes[position] == expected else { return nil }
            bytes.formIndex(after: &position)
        }
        let idStart = position
        var firstDot: String.Index?
        var slash: String.Index?
        while position != bytes.endIndex {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "/"):
                guard slash == nil else { return nil }
                slash = position
            case UInt8(ascii: "."):
                if slash == nil, firstDot == nil { firstDot = position }
            case UInt8(ascii: "?"), UInt8(ascii: "%"), UInt8(ascii: "#"):
                return nil
            case 0x21...0x7E:
                break
            default:
                return nil
            }
            bytes.formIndex(after: &position)
        }
        if let slash {
            let id = target[idStart..<slash]
            guard !id.isEmpty, let index = Self.index(target[bytes.index(after: slash)...]) else { return nil }
            self = .lookup(id: id, index: index)
            return
        }
        let idEnd = firstDot ?? bytes.endIndex
        let id = target[idStart..<idEnd]
        // `lookup` is the batch lookup's own route (POST), not a list.
        guard !id.isEmpty, !id.utf8.elementsEqual("lookup".utf8) else { return nil }
        guard let firstDot else {
            self = .list(id: id, format: nil)
            return
        }
        guard let format = StatusMediaType(pathSuffix: target[bytes.index(after: firstDot)...]) else { return nil }
        self = .list(id: id, format: format)
    }

    /// A non-negative decimal index of plain digits (what `Int(_:)` reads the same way), or nil.
    private static func index(_ text: Substring) -> Int? {
        guard !text.utf8.isEmpty, text.utf8.count <= longestIndex else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(byte &- UInt8(ascii: "0"))
        }
        return value
    }
}
