import ExtrasBase64
import Foundation

/// Unpadded base64url (RFC 4648 §5), the encoding JOSE uses for every binary member and JWS segment.
public enum Base64URL {
    /// Encodes bytes without padding.
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: The base64url text, without `=` padding.
    public static func encode(_ bytes: some DataProtocol) -> String {
        Base64.encodeToString(bytes: Array(bytes), options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes strict, unpadded base64url.
    ///
    /// Rejects padding, whitespace, characters outside the URL-safe alphabet, impossible lengths and non-canonical
    /// trailing bits, so every byte string has exactly one accepted spelling.
    /// - Parameter text: The base64url text.
    /// - Returns: The decoded bytes.
    /// - Throws: ``SigningError/Code/malformed`` when `text` is not canonical unpadded base64url.
    public static func decode(_ text: some StringProtocol) throws(SigningError) -> Data {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 != 1 else {
            throw SigningError(.malformed, "base64url text has an impossible length (\(utf8.count))")
        }
        for byte in utf8 where !isURLSafeAlphabet(byte) {
            throw SigningError(.malformed, "base64url text contains a character outside the URL-safe alphabet")
        }
        guard let decoded = try? Base64.decode(bytes: utf8, options: [.base64UrlAlphabet, .omitPaddingCharacter]) else {
            throw SigningError(.malformed, "base64url text does not decode")
        }
        // Non-zero unused bits in the last character would let two spellings carry the same bytes.
        guard encode(decoded).utf8.elementsEqual(utf8) else {
            throw SigningError(.malformed, "base64url text has non-canonical trailing bits")
        }
        return Data(decoded)
    }

    private static func isURLSafeAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
