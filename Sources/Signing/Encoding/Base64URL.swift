import Foundation
import WireEncoding

/// Unpadded base64url (RFC 4648 §5), the encoding JOSE uses for every binary member and JWS segment.
///
/// WireEncoding's ``WireEncoding/Base64URL`` does the work; this names it for the modules that use Signing and
/// throws this module's errors.
public enum Base64URL {
    /// Encodes bytes without padding.
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: The base64url text, without `=` padding.
    public static func encode(_ bytes: some DataProtocol) -> String {
        WireEncoding.Base64URL.encode(bytes)
    }

    /// Decodes strict, unpadded base64url.
    ///
    /// Rejects padding, whitespace, characters outside the URL-safe alphabet, impossible lengths and non-canonical
    /// trailing bits, so every byte string has exactly one accepted spelling.
    /// - Parameter text: The base64url text.
    /// - Returns: The decoded bytes.
    /// - Throws: ``SigningError/Code/malformed`` when `text` is not canonical unpadded base64url.
    public static func decode(_ text: some StringProtocol) throws(SigningError) -> Data {
        try withUTF8(of: text) { utf8 throws(SigningError) in try decode(utf8: utf8) }
    }

    /// Decodes strict, unpadded base64url from its UTF-8 bytes; same checks and errors as ``decode(_:)``.
    ///
    /// One pass over the text both checks the alphabet and decodes (a JWS payload can be tens of kilobytes, so the
    /// text is neither copied nor re-encoded to prove it canonical: the unused low bits of the last character are
    /// checked instead, which is equivalent).
    static func decode(utf8: UnsafeBufferPointer<UInt8>) throws(SigningError) -> Data {
        let decodedCount = WireEncoding.Base64URL.decodedCount(forLength: utf8.count) ?? 0
        var decoded = Data(count: decodedCount)
        let outcome = decoded.withUnsafeMutableBytes { output in
            WireEncoding.Base64URL.decode(utf8, into: output)
        }
        switch outcome {
        case .decoded:
            return decoded
        case .impossibleLength:
            throw SigningError(.malformed, "base64url text has an impossible length (\(utf8.count))")
        case .characterOutsideAlphabet:
            throw SigningError(.malformed, "base64url text contains a character outside the URL-safe alphabet")
        case .nonZeroUnusedBits:
            // Non-zero unused bits in the last character would let two spellings carry the same bytes.
            throw SigningError(.malformed, "base64url text has non-canonical trailing bits")
        }
    }

    /// Runs `body` over the UTF-8 bytes of `text` in place when they are contiguous (native strings), else over a
    /// copy.
    static func withUTF8<Result>(
        of text: some StringProtocol,
        _ body: (UnsafeBufferPointer<UInt8>) throws(SigningError) -> Result
    ) throws(SigningError) -> Result {
        // withContiguousStorageIfAvailable rethrows untyped errors, so the typed error travels in a Swift.Result.
        let inPlace = text.utf8.withContiguousStorageIfAvailable { utf8 in
            Swift.Result { () throws(SigningError) in try body(utf8) }
        }
        if let inPlace { return try inPlace.get() }
        return try Array(text.utf8).withUnsafeBufferPointer { utf8 in
            Swift.Result { () throws(SigningError) in try body(utf8) }
        }.get()
    }
}
