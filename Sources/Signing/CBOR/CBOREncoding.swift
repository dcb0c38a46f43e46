import Foundation

extension CBOR {
    /// How ``CBOR/encoded(_:)`` serialises an item.
    ///
    /// Both modes use preferred serialization (RFC 8949 §4.1): the shortest argument encoding, definite lengths
    /// only, and the shortest float width that keeps the value (NaN as the half-precision `0xf97e00`).
    public enum EncodingMode: Sendable, Hashable {
        /// Map entries are written in the order they are stored. Use this to reproduce given bytes.
        case preferred
        /// Core deterministic encoding (RFC 8949 §4.2.1): map entries sorted by the bytewise lexicographic order
        /// of their encoded keys.
        case coreDeterministic
    }

    /// Serialises the item.
    /// - Parameter mode: Whether map entries keep their order (default) or are sorted.
    /// - Returns: The encoded bytes.
    public func encoded(_ mode: EncodingMode = .preferred) -> Data {
        var output: [UInt8] = []
        encode(into: &output, mode: mode)
        return Data(output)
    }

    func encode(into output: inout [UInt8], mode: EncodingMode) {
        switch self {
        case .unsignedInt(let value):
            Self.appendHead(major: 0, argument: value, to: &output)
        case .negativeInt(let encoded):
            Self.appendHead(major: 1, argument: encoded, to: &output)
        case .byteString(let value):
            Self.appendHead(major: 2, argument: UInt64(value.count), to: &output)
            output.append(contentsOf: value)
        case .textString(let value):
            let utf8 = value.utf8
            Self.appendHead(major: 3, argument: UInt64(utf8.count), to: &output)
            output.append(contentsOf: utf8)
        case .array(let elements):
            Self.appendHead(major: 4, argument: UInt64(elements.count), to: &output)
            for element in elements {
                element.encode(into: &output, mode: mode)
            }
        case .map(let entries):
            Self.appendHead(major: 5, argument: UInt64(entries.count), to: &output)
            switch mode {
            case .preferred:
                for entry in entries {
                    entry.key.encode(into: &output, mode: mode)
                    entry.value.encode(into: &output, mode: mode)
                }
            case .coreDeterministic:
                let encodedEntries = entries.map { entry in
                    (key: Array(entry.key.encoded(mode)), value: Array(entry.value.encoded(mode)))
                }
                for entry in encodedEntries.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                    output.append(contentsOf: entry.key)
                    output.append(contentsOf: entry.value)
                }
            }
        case .tagged(let tag, let content):
            Self.appendHead(major: 6, argument: tag, to: &output)
            content.encode(into: &output, mode: mode)
        case .simple(let value):
            if value.rawValue < 24 {
                output.append(0xe0 | value.rawValue)
            } else {
                output.append(contentsOf: [0xf8, value.rawValue])
            }
        case .bool(let value):
            output.append(value ? 0xf5 : 0xf4)
        case .null:
            output.append(0xf6)
        case .undefined:
            output.append(0xf7)
        case .float(let value):
            Self.appendFloat(value, to: &output)
        }
    }

    /// Writes an initial byte and its argument in the shortest form (RFC 8949 §3, §4.2.1).
    static func appendHead(major: UInt8, argument: UInt64, to output: inout [UInt8]) {
        let majorBits = major << 5
        switch argument {
        case 0..<24:
            output.append(majorBits | UInt8(argument))
        case 24...0xff:
            output.append(majorBits | 24)
            output.append(UInt8(argument))
        case 0x100...0xffff:
            output.append(majorBits | 25)
            appendBigEndian(argument, byteCount: 2, to: &output)
        case 0x1_0000...0xffff_ffff:
            output.append(majorBits | 26)
            appendBigEndian(argument, byteCount: 4, to: &output)
        default:
            output.append(majorBits | 27)
            appendBigEndian(argument, byteCount: 8, to: &output)
        }
    }

    private static func appendBigEndian(_ value: UInt64, byteCount: Int, to output: inout [UInt8]) {
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            output.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
    }

    private static func appendFloat(_ value: Double, to output: inout [UInt8]) {
        if value.isNaN {
            // One canonical NaN keeps encoding deterministic (RFC 8949 §4.2.2); payloads are not preserved.
            output.append(contentsOf: [0xf9, 0x7e, 0x00])
        } else if let half = halfPrecisionBits(exactly: value) {
            output.append(0xf9)
            appendBigEndian(UInt64(half), byteCount: 2, to: &output)
        } else if let single = Float(exactly: value) {
            output.append(0xfa)
            appendBigEndian(UInt64(single.bitPattern), byteCount: 4, to: &output)
        } else {
            output.append(0xfb)
            appendBigEndian(value.bitPattern, byteCount: 8, to: &output)
        }
    }

    /// The IEEE 754 binary16 bits of `value` when it converts without loss; written by hand because `Float16`
    /// is not available on every platform Swift targets.
    static func halfPrecisionBits(exactly value: Double) -> UInt16? {
        let signBit: UInt16 = value.sign == .minus ? 0x8000 : 0
        if value.isInfinite { return signBit | 0x7c00 }
        if value == 0 { return signBit }
        let magnitude = value.magnitude
        let exponent = magnitude.exponent
        switch exponent {
        case -14...15:
            // A normal half keeps 10 of the double's 52 fraction bits; the other 42 must be zero.
            let fraction = magnitude.significandBitPattern
            guard fraction & ((1 << 42) - 1) == 0 else { return nil }
            return signBit | UInt16(exponent + 15) << 10 | UInt16(fraction >> 42)
        case -24 ... -15:
            // A subnormal half is m * 2^-24 with an integer m below 1024; scaling by a power of two is exact.
            let scaled = magnitude * 0x1p24
            guard scaled == scaled.rounded(.towardZero), scaled < 1024 else { return nil }
            return signBit | UInt16(scaled)
        default:
            return nil
        }
    }
}
