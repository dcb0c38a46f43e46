/// Unpadded base64url (RFC 4648 §5), the text encoding of every binary member of both status-list formats and JOSE:
/// the one encoder and the one strict decoding pass of the code base.
///
/// Decoding checks the alphabet, decodes, and checks the unused bits of the last character together, with one table
/// lookup per character, so every byte string has exactly one accepted spelling (no padding, no whitespace, no
/// standard-alphabet `+` or `/`). StatusList and Signing wrap its ``Outcome`` in their own errors.
public enum Base64URL {
    /// The URL-safe alphabet, indexed by sextet.
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes bytes as base64url without padding.
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: The text, `ceil(4n / 3)` characters, without `=` padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(bytes: $0) }) { return encoded }
        return Array(bytes).withUnsafeBufferPointer { encode(bytes: $0) }
    }

    /// The number of characters `count` bytes encode to (unpadded).
    public static func encodedLength(of count: Int) -> Int {
        count / 3 * 4 + (count % 3 == 0 ? 0 : count % 3 + 1)
    }

    private static func encode(bytes input: UnsafeBufferPointer<UInt8>) -> String {
        let length = encodedLength(of: input.count)
        guard length > 0 else { return "" }
        return alphabet.withUnsafeBufferPointer { alphabet in
            String(unsafeUninitializedCapacity: length) { output in
                var read = 0
                var written = 0
                while read &+ 3 <= input.count {
                    let group = UInt32(input[read]) << 16 | UInt32(input[read &+ 1]) << 8 | UInt32(input[read &+ 2])
                    output[written] = alphabet[Int(group >> 18)]
                    output[written &+ 1] = alphabet[Int(group >> 12 & 0x3F)]
                    output[written &+ 2] = alphabet[Int(group >> 6 & 0x3F)]
                    output[written &+ 3] = alphabet[Int(group & 0x3F)]
                    read &+= 3
                    written &+= 4
                }
                let rest = input.count &- read
                if rest > 0 {
                    let group = UInt32(input[read]) << 16 | (rest == 2 ? UInt32(input[read &+ 1]) << 8 : 0)
                    output[written] = alphabet[Int(group >> 18)]
                    output[written &+ 1] = alphabet[Int(group >> 12 & 0x3F)]
                    if rest == 2 { output[written &+ 2] = alphabet[Int(group >> 6 & 0x3F)] }
                }
                return length
            }
        }
    }

    /// What a decoding pass found.
    public enum Outcome: Sendable, Equatable {
        case decoded
        case impossibleLength
        case characterOutsideAlphabet
        case nonZeroUnusedBits
    }

    /// The number of bytes `length` characters decode to, or `nil` for the impossible length `4n + 1`.
    public static func decodedCount(forLength length: Int) -> Int? {
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
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Outcome {
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

extension Base64URL {
    /// Whether `character` is in the URL-safe alphabet.
    public static func isAlphabet(_ character: UInt8) -> Bool {
        sextets[Int(character)] != 0xFF
    }

    /// Whether `input` is what ``decode(_:into:)`` accepts (length, alphabet, unused bits), without decoding it.
    public static func isValid(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let last = input.last else { return true }
        guard input.count % 4 != 1 else { return false }
        return sextets.withUnsafeBufferPointer { sextets in
            var invalid: UInt8 = 0
            for character in input { invalid |= sextets[Int(character)] }
            let unusedBitsMask: UInt8 = input.count % 4 == 2 ? 0x0F : input.count % 4 == 3 ? 0x03 : 0
            return invalid & 0xC0 == 0 && sextets[Int(last)] & unusedBitsMask == 0
        }
    }
}

