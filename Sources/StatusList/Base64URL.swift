import WireEncoding

/// Strict unpadded base64url (RFC 4648 §5) as both status-list formats require: WireEncoding's ``Base64URL`` with
/// the errors of this module, which name the value and its first offending character.
extension Base64URL {
    /// Decodes unpadded base64url, rejecting padding, the standard alphabet's `+` and `/`, any other character,
    /// an impossible length and non-canonical trailing bits.
    /// - Parameter what: How the caller names the value in error messages (e.g. "lst").
    /// - Throws: ``StatusListError/Code/malformedEncoding``.
    static func decode(_ text: Substring, what: String) throws -> [UInt8] {
        try withUTF8(of: text) { utf8 in
            guard let decodedCount = Base64URL.decodedCount(forLength: utf8.count) else {
                throw firstError(in: utf8, what: what)
            }
            var outcome = Base64URL.Outcome.decoded
            let decoded = [UInt8](unsafeUninitializedCapacity: decodedCount) { buffer, initializedCount in
                outcome = Base64URL.decode(utf8, into: UnsafeMutableRawBufferPointer(buffer))
                initializedCount = decodedCount
            }
            guard outcome == .decoded else { throw firstError(in: utf8, what: what) }
            return decoded
        }
    }

    /// Checks that `text` is what ``decode(_:what:)`` accepts, with the same errors, without producing the bytes.
    /// - Parameter what: How the caller names the value in error messages.
    /// - Throws: ``StatusListError/Code/malformedEncoding``.
    static func validate(_ text: Substring, what: String) throws {
        try withUTF8(of: text) { utf8 in
            guard Base64URL.isValid(utf8) else { throw firstError(in: utf8, what: what) }
        }
    }

    /// Runs `body` over the UTF-8 bytes of `text` in place when they are contiguous (native strings), else over a
    /// copy.
    private static func withUTF8<Result>(of text: Substring, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) throws -> Result {
        if let inPlace = try text.utf8.withContiguousStorageIfAvailable(body) { return inPlace }
        return try Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// The error for text the decoder rejected, found again character by character (only on failure) so that it
    /// names the first offending character, as the checks run in this order: alphabet, length, unused bits.
    private static func firstError(in utf8: UnsafeBufferPointer<UInt8>, what: String) -> StatusListError {
        for (offset, character) in utf8.enumerated() where !Base64URL.isAlphabet(character) {
            return StatusListError(.malformedEncoding, "\(what): \(describe(character)) at offset \(offset) is not base64url")
        }
        if utf8.count % 4 == 1 {
            return StatusListError(.malformedEncoding, "\(what): a base64url length of \(utf8.count) characters is impossible")
        }
        return StatusListError(.malformedEncoding, "\(what): the last base64url character has non-zero unused bits")
    }

    private static func describe(_ character: UInt8) -> String {
        switch character {
        case UInt8(ascii: "="): return "padding character '='"
        case UInt8(ascii: "+"), UInt8(ascii: "/"):
            return "standard-base64 character '\(Character(Unicode.Scalar(character)))' (base64url uses '-' and '_')"
        case 0x21...0x7E: return "character '\(Character(Unicode.Scalar(character)))'"
        default: return "byte 0x" + String(character, radix: 16)
        }
    }
}
