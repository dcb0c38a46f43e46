/// The public status read a request target asks for, as far as the event-loop fast path answers it: found by looking
/// at the target's bytes, without building strings or calling Foundation.
///
/// Anything this does not recognise exactly (a query string, percent-encoding, a fragment, non-ASCII bytes, a
/// suffix that is not a format, an index that is not plain digits, more path segments) is nil and goes to the router,
/// which has the final word and produces the problem responses. Recognised targets mean what the router's routes
/// (``StatusReadController/endpoints``) make of them.
enum StatusReadTarget: Equatable {
    /// `/status/{id}` (negotiated, `format` nil) or `/status/{id}.{suffix}` (one format); `id` is where the list id is
    /// in the target's bytes.
    case list(id: Range<Int>, format: StatusMediaType?)
    /// `/status/{id}/{index}`, the direct lookup.
    case lookup(id: Range<Int>, index: Int)

    /// Every format, built once (`allCases` makes a new array per call).
    private static let formats = StatusMediaType.allCases

    /// The most digits an index may have here: 18 never overflow `Int`; longer ones go to the router.
    static let longestIndex = 18

    /// Recognises `target` (the request line's target).
    /// - Parameter target: The request target's bytes, e.g. `/status/abc.jwt`.
    /// - Returns: The read, or nil to leave the request to the router.
    init?(_ target: UnsafeRawBufferPointer) {
        let count = target.count
        let prefix: StaticString = "/status/"
        let prefixMatches = prefix.withUTF8Buffer { expected in
            count >= expected.count && zip(target, expected).allSatisfy { $0 == $1 }
        }
        guard prefixMatches else { return nil }
        let idStart = prefix.utf8CodeUnitCount
        var firstDot: Int?
        var slash: Int?
        for position in idStart..<count {
            switch target[position] {
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
        }
        if let slash {
            guard slash > idStart, let index = Self.index(UnsafeRawBufferPointer(rebasing: target[(slash + 1)...])) else { return nil }
            self = .lookup(id: idStart..<slash, index: index)
            return
        }
        let idEnd = firstDot ?? count
        // `lookup` is the batch lookup's own route (POST), not a list.
        guard idEnd > idStart, !UnsafeRawBufferPointer(rebasing: target[idStart..<idEnd]).elementsEqual("lookup".utf8) else { return nil }
        guard let firstDot else {
            self = .list(id: idStart..<idEnd, format: nil)
            return
        }
        let suffix = UnsafeRawBufferPointer(rebasing: target[(firstDot + 1)...])
        guard let format = Self.formats.first(where: { $0.pathSuffix.utf8.elementsEqual(suffix) }) else { return nil }
        self = .list(id: idStart..<idEnd, format: format)
    }

    /// A non-negative decimal index of plain digits (what `Int(_:)` reads the same way), or nil.
    private static func index(_ digits: UnsafeRawBufferPointer) -> Int? {
        guard !digits.isEmpty, digits.count <= longestIndex else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(byte &- UInt8(ascii: "0"))
        }
        return value
    }
}
