/// The request head of a plain status read, recognised in the bytes a connection received before NIO's HTTP/1
/// decoder sees them (``RawStatusReadHandler``).
///
/// Only the narrowest, unambiguous form is recognised: `GET` or `HEAD`, one space, an origin-form target of visible
/// ASCII, one space, `HTTP/1.1`, header lines ending in CRLF whose names are tokens and whose values hold no control
/// bytes, and a blank line; no body (no `Content-Length` other than 0, no `Transfer-Encoding`), no `Expect`, no
/// `Upgrade`, no `Connection` other than `keep-alive`, at most one `Accept` and one `If-None-Match`. Everything else is
/// ``Parsed/unsupported`` and goes to NIO's decoder and the router, which have the final word (and produce the errors):
/// anything this accepts, the decoder accepts as the same request.
///
/// The head is kept as positions in the received bytes, not as strings: a status read is answered from those bytes
/// without allocating (three `String`s a request were a tenth of a 304's user-space CPU).
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
    /// Where the request target (e.g. `/status/abc.jwt`) is in the parsed bytes.
    var target: Range<Int>
    /// Where the `Accept` value, without surrounding whitespace, is in the parsed bytes; nil when absent.
    var accept: Range<Int>?
    /// Where the `If-None-Match` value, without surrounding whitespace, is; nil when absent.
    var ifNoneMatch: Range<Int>?

    /// Recognises the request head at the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        let count = bytes.count
        let headOnly: Bool
        var position: Int
        switch match(bytes, at: 0, "GET ") {
        case .matched:
            headOnly = false
            position = 4
        case .shortInput:
            return incomplete(bytes)
        case .different:
            switch match(bytes, at: 0, "HEAD ") {
            case .matched:
                headOnly = true
                position = 5
            case .shortInput:
                return incomplete(bytes)
            case .different:
                return .unsupported
            }
        }
        let targetStart = position
        while position < count {
            let byte = bytes[position]
            if byte == UInt8(ascii: " ") { break }
            guard byte >= 0x21, byte <= 0x7E else { return .unsupported }
            position += 1
        }
        guard position < count else { return incomplete(bytes) }
        let targetEnd = position
        guard targetEnd > targetStart, bytes[targetStart] == UInt8(ascii: "/") else { return .unsupported }
        switch match(bytes, at: position, " HTTP/1.1\r\n") {
        case .matched: position += 11
        case .shortInput: return incomplete(bytes)
        case .different: return .unsupported
        }
        var head = RawRequestHead(headOnly: headOnly, target: targetStart..<targetEnd, accept: nil, ifNoneMatch: nil)
        while true {
            guard position < count else { return incomplete(bytes) }
            if bytes[position] == UInt8(ascii: "\r") {
                guard position + 1 < count else { return incomplete(bytes) }
                guard bytes[position + 1] == UInt8(ascii: "\n") else { return .unsupported }
                return .request(head, length: position + 2)
            }
            // A header line: token, colon, value without control bytes, CRLF.
            let nameStart = position
            while position < count {
                let byte = bytes[position]
                if byte == UInt8(ascii: ":") { break }
                guard isTokenByte(byte) else { return .unsupported }
                position += 1
            }
            guard position < count else { return incomplete(bytes) }
            guard position > nameStart else { return .unsupported }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<position])
            position += 1
            var valueStart = position
            while position < count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\r") { break }
                guard byte >= 0x20 ? byte != 0x7F : byte == 0x09 else { return .unsupported }
                position += 1
            }
            guard position + 1 < count else { return incomplete(bytes) }
            guard bytes[position + 1] == UInt8(ascii: "\n") else { return .unsupported }
            var valueEnd = position
            position += 2
            while valueStart < valueEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            switch HeaderName(name) {
            case .accept:
                guard head.accept == nil else { return .unsupported }
                head.accept = valueStart..<valueEnd
            case .ifNoneMatch:
                guard head.ifNoneMatch == nil else { return .unsupported }
                head.ifNoneMatch = valueStart..<valueEnd
            case .contentLength:
                guard valueEnd - valueStart == 1, bytes[valueStart] == UInt8(ascii: "0") else { return .unsupported }
            case .connection:
                guard equalsLowercase(UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), "keep-alive") else {
                    return .unsupported
                }
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

    /// RFC 9110 `tchar`, as one bit per ASCII byte (all are below 128).
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0..<64: return (0x03ff_6cfa_0000_0000 as UInt64) >> byte & 1 == 1
        case 64..<128: return (0x57ff_ffff_c7ff_fffe as UInt64) >> (byte - 64) & 1 == 1
        default: return false
        }
    }

    private enum Match { case matched, shortInput, different }

    /// Whether `bytes` continue with `literal` at `position`, or end before telling.
    private static func match(_ bytes: UnsafeRawBufferPointer, at position: Int, _ literal: StaticString) -> Match {
        literal.withUTF8Buffer { expected in
            var offset = 0
            while offset < expected.count {
                guard position + offset < bytes.count else { return .shortInput }
                guard bytes[position + offset] == expected[offset] else { return .different }
                offset += 1
            }
            return .matched
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
}
