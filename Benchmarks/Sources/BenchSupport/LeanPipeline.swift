import ExtrasBase64
import Foundation
import Signing
import StatusList

/// A lean IETF JWT verification built only from public pieces, to show what the 2× target needs (not a
/// replacement for `StatusListVerifier`: it skips the `typ`/`alg`/claim checks, which cost little).
///
/// Differences from the library path, each one a suggestion: the compact JWS is split on UTF-8 bytes instead of
/// `Character`s; base64url is decoded once per part with ExtrasBase64 (no re-encode to check canonical form, no
/// second decode of `lst`); inflate writes straight into one growing array instead of copying 64 KiB chunks.
public enum LeanIETFJWT {
    struct Claims: Decodable {
        struct StatusList: Decodable {
            let bits: Int
            let lst: String
        }

        let sub: String
        let statusList: StatusList

        enum CodingKeys: String, CodingKey {
            case sub
            case statusList = "status_list"
        }
    }

    /// Verifies the signature and decodes the list.
    /// - Throws: ``ZlibBaseline/Failure`` or a decoding error.
    public static func verify(_ token: String, key: VerificationKey) throws -> Bitstring {
        let (raw, bits) = try verifiedLSBFirstBytes(token, key: key)
        return try Bitstring(lsbFirstBytes: raw, entrySize: StatusSize(bits: bits))
    }

    /// Verifies the signature and inflates the list, stopping before the LSB-first to MSB-first conversion (what a
    /// `Bitstring` that kept IETF lists in their own layout would need).
    /// - Returns: The LSB-first bytes and the entry width.
    /// - Throws: ``ZlibBaseline/Failure`` or a decoding error.
    public static func verifiedLSBFirstBytes(_ token: String, key: VerificationKey) throws -> (bytes: [UInt8], bits: Int) {
        let utf8 = Array(token.utf8)
        guard let firstDot = utf8.firstIndex(of: UInt8(ascii: ".")),
            let secondDot = utf8[(firstDot + 1)...].firstIndex(of: UInt8(ascii: "."))
        else { throw ZlibBaseline.Failure(description: "not a compact JWS") }
        let options: Base64.DecodingOptions = [.base64UrlAlphabet, .omitPaddingCharacter]
        let payload = try Base64.decode(bytes: utf8[(firstDot + 1)..<secondDot], options: options)
        let signature = try Base64.decode(bytes: utf8[(secondDot + 1)...], options: options)
        guard key.isValidSignature(signature, for: utf8[..<secondDot]) else {
            throw ZlibBaseline.Failure(description: "bad signature")
        }
        let claims = try JSONDecoder().decode(Claims.self, from: Data(payload))
        let compressed = try Base64.decode(bytes: claims.statusList.lst.utf8, options: options)
        let raw = try ZlibBaseline.inflateGrowing(compressed, container: .zlib, maximumSize: Bitstring.defaultMaximumDecodedBytes)
        return (raw, claims.statusList.bits)
    }
}
