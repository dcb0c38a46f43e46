import Foundation

/// The multiformats unsigned varint: 7 bits per byte, least significant group first, high bit set on every byte but
/// the last. Used for multicodec prefixes.
public enum UnsignedVarint {
    /// The multiformats specification caps varints at 9 bytes (63 bits).
    public static let maximumLength = 9

    /// Encodes a value in the minimal number of bytes.
    /// - Parameter value: The value; at most 2^63 - 1 as the specification requires.
    /// - Returns: The varint bytes.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var remaining = value
        var bytes = [UInt8]()
        repeat {
            var byte = UInt8(remaining & 0x7f)
            remaining >>= 7
            if remaining != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while remaining != 0
        return bytes
    }

    /// Decodes the varint at the start of `bytes`.
    /// - Parameter bytes: Bytes that start with a varint.
    /// - Returns: The value and the number of bytes it occupied.
    /// - Throws: ``SigningError/Code/malformed`` when the varint is truncated, longer than ``maximumLength`` bytes or
    ///   not minimally encoded (the specification forbids redundant trailing zero groups).
    public static func decode(_ bytes: some Collection<UInt8>) throws(SigningError) -> (value: UInt64, length: Int) {
        var value: UInt64 = 0
        var length = 0
        for byte in bytes {
            guard length < maximumLength else {
                throw SigningError(.malformed, "varint is longer than \(maximumLength) bytes")
            }
            value |= UInt64(byte & 0x7f) << (7 * UInt64(length))
            length += 1
            if byte & 0x80 == 0 {
                guard byte != 0 || length == 1 else {
                    throw SigningError(.malformed, "varint is not minimally encoded")
                }
                return (value, length)
            }
        }
        throw SigningError(.malformed, "varint is truncated")
    }
}
