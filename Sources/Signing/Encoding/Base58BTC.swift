import Foundation

/// Base58 with the Bitcoin alphabet, the `z` base of multibase used by `did:key`, Multikey and Data Integrity proofs.
public enum Base58BTC {
    /// The Bitcoin alphabet: digits and letters without `0`, `O`, `I` and `l`.
    public static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// The longest text ``decode(_:)`` accepts. The conversion is quadratic, and keys, signatures and proofs are far
    /// shorter than this, so the bound only stops hostile input from burning CPU.
    public static let maximumEncodedLength = 2048

    private static let digitValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = Int8(value)
        }
        return table
    }()

    /// Encodes bytes. Each leading zero byte becomes a leading `1`.
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: The base58btc text (empty for empty input).
    public static func encode(_ bytes: some DataProtocol) -> String {
        let input = Array(bytes)
        let leadingZeros = input.prefix { $0 == 0 }.count
        // Base-58 digits, least significant first; log(256)/log(58) < 1.37.
        var digits = [UInt8]()
        digits.reserveCapacity(input.count * 137 / 100 + 1)
        for byte in input[leadingZeros...] {
            var carry = Int(byte)
            for index in digits.indices {
                carry += Int(digits[index]) << 8
                digits[index] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        var text = [UInt8](repeating: alphabet[0], count: leadingZeros)
        text.append(contentsOf: digits.reversed().map { alphabet[Int($0)] })
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes base58btc text. Each leading `1` becomes a leading zero byte.
    /// - Parameter text: The base58btc text.
    /// - Returns: The decoded bytes.
    /// - Throws: ``SigningError/Code/malformed`` for a character outside the alphabet or text longer than
    ///   ``maximumEncodedLength``.
    public static func decode(_ text: some StringProtocol) throws(SigningError) -> Data {
        let input = Array(text.utf8)
        guard input.count <= maximumEncodedLength else {
            throw SigningError(.malformed, "base58btc text is longer than \(maximumEncodedLength) characters")
        }
        let leadingOnes = input.prefix { $0 == alphabet[0] }.count
        // Base-256 bytes, least significant first.
        var bytes = [UInt8]()
        bytes.reserveCapacity(input.count * 733 / 1000 + 1)
        for character in input[leadingOnes...] {
            let value = digitValues[Int(character)]
            guard value >= 0 else {
                let shown = character < 0x80 ? "'\(Character(Unicode.Scalar(character)))'" : "byte 0x\(String(character, radix: 16))"
                throw SigningError(.malformed, "base58btc text contains \(shown), which is not in the Bitcoin alphabet")
            }
            var carry = Int(value)
            for index in bytes.indices {
                carry += Int(bytes[index]) * 58
                bytes[index] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xff))
                carry >>= 8
            }
        }
        var result = Data(count: leadingOnes)
        result.append(contentsOf: bytes.reversed())
        return result
    }
}

/// Multibase (the self-describing base prefix of multiformats), restricted to base58btc, the only base the
/// `did:key`, Multikey and Data Integrity specifications require.
public enum Multibase {
    /// The multibase prefix of base58btc.
    public static let base58BTCPrefix: Character = "z"

    /// Encodes bytes as base58btc with the `z` prefix.
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: `z` followed by the base58btc text.
    public static func encodeBase58BTC(_ bytes: some DataProtocol) -> String {
        String(base58BTCPrefix) + Base58BTC.encode(bytes)
    }

    /// Decodes a multibase string that must use base58btc.
    /// - Parameter text: Multibase text starting with `z`.
    /// - Returns: The decoded bytes.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for another multibase prefix,
    ///   ``SigningError/Code/malformed`` for empty or invalid base58btc text.
    public static func decodeBase58BTC(_ text: some StringProtocol) throws(SigningError) -> Data {
        guard let prefix = text.first else {
            throw SigningError(.malformed, "multibase text is empty")
        }
        guard prefix == base58BTCPrefix else {
            throw SigningError(.unsupportedAlgorithm, "multibase prefix '\(prefix)' is not base58btc ('z')")
        }
        return try Base58BTC.decode(text.dropFirst())
    }
}
