/// The request head of a plain status read, recognised in the bytes a connection received before NIO's HTTP/1
/// decoder sees them (``RawStatusReadHandler``).
///
/// Only the narrowest, unambiguous form is recognised: `GET` or `HEAD`, one space, an origin-form target of visible
/// ASCII, one space, `HTTP/1.1`, header lines ending in CRLF whose names are tokens and whose values hold no control
/// bytes, and a blank line; no body (no `Content-Length` other than 0, no `Transfer-Encoding`), no `Expect`, no
/// `Upgrade`, no `Connection` other than `keep-alive`, at most one `Accept` and one `If-None-Match`. Everything else is
/// ``Parsed/unsupported`` and goes to NIO's decoder and the router, which have the final word (and produce the errors):
/// anything this accepts, the decoder accepts as the same request.
struct RawRequestHead: Equatable {
    /// What the bytes at the start of a connection's input are.
    enum Parsed: Equatable {
        /// The header block is not complete yet (and not longer than ``RawRequestHead/longestHead``).
        case incomplete
        /// Not a request this recognises: hand it, and everything after it, to the decoder.
        case unsupported
        /// A complete request head of `length` bytes.
        case request(RawRequestHead, length: Int)
    }

    /// Longer header blocks go to the decoder, which has its own limit and answers for it.
    static let longestHead = 8192

    /// Whether the method is `HEAD`.
    var headOnly: Bool
    /// The request target, e.g. `/status/abc.jwt`.
    var target: String
    /// The `Accept` value without surrounding whitespace, nil when absent.
    var accept: String?
    /// The `If-None-Match` value without surrounding whitespace, nil when absent.
    var ifNoneMatch: String?

    /// Recognises the request head at the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        var reader = Reader(bytes: bytes)
        let headOnly: Bool
        if reader.skip("GET ") {
            headOnly = false
        } else if reader.skip("HEAD ") {
            headOnly = true
        } else {
            // A prefix of either method may still become one.
            return reader.atEnd || "GET ".utf8.starts(with: bytes) || "HEAD ".utf8.starts(with: bytes) ? incomplete(bytes) : .unsupported
        }
        let targetStart = reader.position
        while let byte = reader.peek(), byte != UInt8(ascii: " ") {
            guard (0x21...0x7E).contains(byte) else { return .unsupported }
            reader.position += 1
        }
        guard !reader.atEnd else { return incomplete(bytes) }
        let targetEnd = reader.position
        guard targetEnd > targetStart, bytes[targetStart] == UInt8(ascii: "/") else { return .unsupported }
        reader.position += 1
        switch reader.expect(" HTTP/1.1\r\n".utf8.dropFirst()) {
        case .matched: break
        case .shortInput: return incomplete(bytes)
        case .different: return .unsupported
        }
        var head = RawRequestHead(
            headOnly: headOnly, target: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[targetStart..<targetEnd]), as: UTF8.self),
            accept: nil, ifNoneMatch: nil)
        while true {
            guard let first = reader.peek() else { return incomplete(bytes) }
            if first == UInt8(ascii: "\r") {
                guard reader.position + 1 < bytes.count else { return incomplete(bytes) }
                guard bytes[reader.position + 1] == UInt8(ascii: "\n") else { return .unsupported }
                return .request(head, length: reader.position + 2)
            }
            // A header line: token, colon, value without control bytes, CRLF.
            let nameStart = reader.position
            while let byte = reader.peek(), byte != UInt8(ascii: ":") {
                guard Self.isTokenByte(byte) else { return .unsupported }
                reader.position += 1
            }
            guard !reader.atEnd else { return incomplete(bytes) }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<reader.position])
            guard !name.isEmpty else { return .unsupported }
            reader.position += 1
            var valueStart = reader.position
            while let byte = reader.peek(), byte != UInt8(ascii: "\r") {
                guard byte == 0x09 || byte >= 0x20, byte != 0x7F else { return .unsupported }
                reader.position += 1
            }
            guard reader.position + 1 < bytes.count else { return incomplete(bytes) }
            guard bytes[reader.position + 1] == UInt8(ascii: "\n") else { return .unsupported }
            var valueEnd = reader.position
            reader.position += 2
            while valueStart < valueEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            switch HeaderName(name) {
            case .accept:
                guard head.accept == nil else { return .unsupported }
                head.accept = String(decoding: value, as: UTF8.self)
            case .ifNoneMatch:
                guard head.ifNoneMatch == nil else { return .unsupported }
                head.ifNoneMatch = String(decoding: value, as: UTF8.self)
            case .contentLength:
                guard value.count == 1, value[0] == UInt8(ascii: "0") else { return .unsupported }
            case .connection:
                guard Self.equalsLowercase(value, "keep-alive") else { return .unsupported }
            case .transferEncoding, .expect, .upgrade:
                return .unsupported
            case .other:
                break
            }
        }
    }

    /// `incomplete` while the head may still end within ``longestHead``, else `unsupported`.
    private static func incomplete(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        bytes.count < longestHead ? .incomplete : .unsupported
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0) == $1 }
        }
    }

    /// The header fields this looks at.
    private enum HeaderName {
        case accept, ifNoneMatch, contentLength, connection, transferEncoding, expect, upgrade, other

        init(_ name: UnsafeRawBufferPointer) {
            switch name.count {
            case 6 where RawRequestHead.equalsLowercase(name, "accept"): self = .accept
            case 6 where RawRequestHead.equalsLowercase(name, "expect"): self = .expect
            case 7 where RawRequestHead.equalsLowercase(name, "upgrade"): self = .upgrade
            case 10 where RawRequestHead.equalsLowercase(name, "connection"): self = .connection
            case 13 where RawRequestHead.equalsLowercase(name, "if-none-match"): self = .ifNoneMatch
            case 14 where RawRequestHead.equalsLowercase(name, "content-length"): self = .contentLength
            case 17 where RawRequestHead.equalsLowercase(name, "transfer-encoding"): self = .transferEncoding
            default: self = .other
            }
        }
    }

    /// A cursor over the input.
    private struct Reader {
        enum Match { case matched, shortInput, different }

        let bytes: UnsafeRawBufferPointer
        var position = 0

        var atEnd: Bool { position >= bytes.count }

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        /// Skips `literal` when the input starts with it here.
        mutating func skip(_ literal: StaticString) -> Bool {
            literal.withUTF8Buffer { expected in
                guard bytes.count - position >= expected.count,
                    zip(bytes[position...], expected).allSatisfy({ $0 == $1 })
                else { return false }
                position += expected.count
                return true
            }
        }

        /// Consumes `literal` when the input continues with it.
        mutating func expect(_ literal: Substring.UTF8View) -> Match {
            for expected in literal {
                guard let byte = peek() else { return .shortInput }
                guard byte == expected else { return .different }
                position += 1
            }
            return .matched
        }
    }
}
