import ExtrasBase64

/// Strict unpadded base64url (RFC 4648 §5) as both status-list formats require.
///
/// ExtrasBase64 tolerates `=` padding in the last quantum and ignores non-zero trailing bits, so the input is
/// validated here first; only then is the (fast) library decoder used.
enum Base64URL {
    /// Encodes bytes as base64url without padding.
    static func encode(_ bytes: [UInt8]) -> String {
        Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes unpadded base64url, rejecting padding, the standard alphabet's `+` and `/`, any other character,
    /// an impossible length and non-canonical trailing bits.
    /// - Parameter what: How the caller names the value in error messages (e.g. "lst").
    /// - Throws: ``StatusListError/Code/malformedEncoding``.
    static func decode(_ text: Substring, what: String) throws -> [UInt8] {
        let utf8 = text.utf8
        var offset = 0
        var lastValue: UInt8 = 0
        for character in utf8 {
            guard let value = sextet(character) else {
                throw StatusListError(.malformedEncoding, "\(what): \(describe(character)) at offset \(offset) is not base64url")
            }
            lastValue = value
            offset += 1
        }
        let remainder = offset % 4
        guard remainder != 1 else {
            throw StatusListError(.malformedEncoding, "\(what): a base64url length of \(offset) characters is impossible")
        }
        // The unused low bits of the last character must be zero, so that every byte string has one encoding.
        let unusedBitsMask: UInt8 = remainder == 2 ? 0x0F : remainder == 3 ? 0x03 : 0
        guard lastValue & unusedBitsMask == 0 else {
            throw StatusListError(.malformedEncoding, "\(what): the last base64url character has non-zero unused bits")
        }
        if offset == 0 { return [] }
        do {
            return try Base64.decode(bytes: utf8, options: [.base64UrlAlphabet, .omitPaddingCharacter])
        } catch {
            throw StatusListError(.malformedEncoding, "\(what): base64url decoding failed (\(error))")
        }
    }

    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        default: return nil
        }
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
