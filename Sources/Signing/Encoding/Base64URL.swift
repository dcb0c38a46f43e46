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
        try withUTF8(of: text) { utf8 throws(SigningError) in try decode(utf8: utf8) }
    }

    /// Decodes strict, unpadded base64url from its UTF-8 bytes; same checks and errors as ``decode(_:)``.
    ///
    /// One pass over the text both checks the alphabet and decodes (a JWS payload can be tens of kilobytes, so the
    /// text is neither copied nor re-encoded to prove it canonical: the unused low bits of the last character are
    /// checked instead, which is equivalent).
    static func decode(utf8: UnsafeBufferPointer<UInt8>) throws(SigningError) -> Data {
        let decodedCount = StrictBase64URLDecoder.decodedCount(forLength: utf8.count) ?? 0
        var decoded = Data(count: decodedCount)
        let outcome = decoded.withUnsafeMutableBytes { output in
            StrictBase64URLDecoder.decode(utf8, into: output)
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

/// The strict unpadded base64url decoding pass: alphabet check, decoding and the unused-bits check of the last
/// character together, with one table lookup per character.
///
/// (StatusList has its own copy of this decoder: the two modules do not depend on each other.)
enum StrictBase64URLDecoder {
    /// What a pass found.
    enum Outcome: Sendable {
        case decoded
        case impossibleLength
        case characterOutsideAlphabet
        case nonZeroUnusedBits
    }

    /// The number of bytes `length` characters decode to, or `nil` for the impossible length `4n + 1`.
    static func decodedCount(forLength length: Int) -> Int? {
        let remainder = length % 4
        guard remainder != 1 else { return nil }
        return length / 4 * 3 + (remainder == 0 ? 0 : remainder - 1)
    }

    /// Marks a character outside the alphabet in ``quadTables``: bit 24 and up are never set by a valid character.
    private static let invalidEntry: UInt32 = 0xFFFF_FFFF

    /// The sextet of every byte value, `0xFF` outside the URL-safe alphabet.
    private static let sextets: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        default: return 0xFF
        }
    }

    /// Four 256-entry tables, one per position in a quantum of four characters, each holding the character's sextet
    /// already shifted to its place in the little-endian 24-bit group, so a quantum decodes with four lookups and
    /// three ORs (the layout of modp_b64).
    private static let quadTables: [UInt32] = (0..<4).flatMap { position in
        sextets.map { sextet -> UInt32 in
            guard sextet != 0xFF else { return invalidEntry }
            let value = UInt32(sextet)
            switch position {
            case 0: return value << 2
            case 1: return value >> 4 | (value & 0x0F) << 12
            case 2: return (value >> 2) << 8 | (value & 0x03) << 22
            default: return value << 16
            }
        }
    }

    /// Decodes `input` into `output`, which must hold exactly `decodedCount(forLength: input.count)` bytes.
    ///
    /// On any outcome but ``Outcome/decoded`` the output holds unspecified bytes.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Outcome {
        guard let decodedCount = decodedCount(forLength: input.count) else { return .impossibleLength }
        precondition(output.count == decodedCount, "the output buffer must hold exactly the decoded bytes")
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else { return .decoded }
        let fullQuanta = input.count / 4
        var invalidGroups: UInt32 = 0
        quadTables.withUnsafeBufferPointer { tables in
            // Each quantum is stored as a 4-byte word whose last byte the next quantum overwrites; the last full
            // quantum is left to the loop below, so nothing is written past the output.
            let source = UnsafeRawPointer(inputBase)
            var quantum = 0
            while quantum &+ 1 < fullQuanta {
                let characters = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: quantum &* 4, as: UInt32.self))
                let group =
                    tables[Int(characters & 0xFF)] | tables[256 &+ Int(characters &>> 8 & 0xFF)]
                    | tables[512 &+ Int(characters &>> 16 & 0xFF)] | tables[768 &+ Int(characters &>> 24)]
                invalidGroups |= group
                outputBase.storeBytes(of: group.littleEndian, toByteOffset: quantum &* 3, as: UInt32.self)
                quantum &+= 1
            }
        }
        var invalidSextets: UInt8 = 0
        var lastSextet: UInt8 = 0
        sextets.withUnsafeBufferPointer { sextets in
            // The last full quantum byte by byte, then the partial one (2 or 3 characters).
            var position = max(fullQuanta - 1, 0) * 4
            var written = position / 4 * 3
            while position < input.count {
                let available = min(4, input.count - position)
                var group: UInt32 = 0
                for offset in 0..<4 {
                    let sextet = offset < available ? sextets[Int(inputBase[position + offset])] : 0
                    invalidSextets |= sextet
                    lastSextet = offset < available ? sextet : lastSextet
                    group = group << 6 | UInt32(sextet & 0x3F)
                }
                for byte in 0..<(available - 1) {
                    outputBase.storeBytes(of: UInt8(truncatingIfNeeded: group >> (16 - 8 * byte)), toByteOffset: written + byte, as: UInt8.self)
                }
                position += available
                written += available - 1
            }
        }
        // A valid sextet is below 64 and a valid group below 2^24; the entries for other characters set the bits above.
        guard invalidSextets & 0xC0 == 0, invalidGroups & 0xFF00_0000 == 0 else { return .characterOutsideAlphabet }
        let unusedBitsMask: UInt8 = input.count % 4 == 2 ? 0x0F : input.count % 4 == 3 ? 0x03 : 0
        return lastSextet & unusedBitsMask == 0 ? .decoded : .nonZeroUnusedBits
    }
}
