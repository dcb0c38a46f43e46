import Foundation

extension CBOR {
    /// The nesting depth ``decode(_:maximumDepth:)`` accepts by default: far above what COSE or CWT need, far
    /// below what could exhaust the stack.
    public static let defaultMaximumDepth = 64

    /// Decodes exactly one CBOR item from untrusted bytes.
    ///
    /// The decoder checks every length against the bytes that remain before it reads or allocates anything, and
    /// rejects: truncated input, trailing bytes, nesting deeper than `maximumDepth` (arrays, maps and tags each add
    /// a level), indefinite-length items, reserved additional-information values 28–30, a stray "break", two-byte
    /// simple values below 32, text strings that are not valid UTF-8, and maps with duplicate keys. Integer and
    /// length arguments that are not in the shortest form are accepted.
    /// - Parameters:
    ///   - bytes: The encoded item.
    ///   - maximumDepth: The deepest nesting of arrays, maps and tags accepted.
    /// - Returns: The decoded item. Floats that are NaN decode to `Double.nan`.
    /// - Throws: ``SigningError`` with code ``SigningError/Code/malformed`` and the offset of the problem.
    public static func decode(_ bytes: some DataProtocol, maximumDepth: Int = defaultMaximumDepth) throws(SigningError) -> CBOR {
        var decoder = Decoder(bytes: Array(bytes), maximumDepth: maximumDepth)
        let item = try decoder.decodeItem(depth: 0)
        guard decoder.remaining == 0 else {
            throw decoder.error("\(decoder.remaining) trailing byte(s) after the item")
        }
        return item
    }

    private struct Decoder {
        let bytes: [UInt8]
        let maximumDepth: Int
        var position = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        var remaining: Int { bytes.count - position }

        func error(_ reason: String, at offset: Int? = nil) -> SigningError {
            SigningError(.malformed, "CBOR: \(reason) (offset \(offset ?? position))")
        }

        mutating func decodeItem(depth: Int) throws(SigningError) -> CBOR {
            let start = position
            let initial = try readByte()
            let major = initial >> 5
            let info = initial & 0x1f
            switch info {
            case 28...30:
                throw error("reserved additional information \(info) in initial byte 0x\(String(initial, radix: 16))", at: start)
            case 31:
                throw error(
                    major == 7 ? "unexpected break" : "indefinite-length items are not supported (major type \(major))",
                    at: start
                )
            default:
                break
            }
            let argument = try readArgument(info: info)

            switch major {
            case 0:
                return .unsignedInt(argument)
            case 1:
                return .negativeInt(argument)
            case 2:
                return .byteString(Data(try readBytes(argument, what: "byte string")))
            case 3:
                let utf8 = try readBytes(argument, what: "text string")
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw error("text string is not valid UTF-8", at: start)
                }
                return .textString(text)
            case 4:
                try enter(depth: depth, at: start)
                // Every element takes at least one byte, so a count above the remaining bytes cannot be honest.
                // Capacity is never reserved from the count: nested headers could multiply it.
                guard argument <= UInt64(remaining) else {
                    throw error("array of \(argument) elements exceeds the \(remaining) remaining bytes", at: start)
                }
                var elements: [CBOR] = []
                for _ in 0..<argument {
                    elements.append(try decodeItem(depth: depth + 1))
                }
                return .array(elements)
            case 5:
                try enter(depth: depth, at: start)
                guard argument <= UInt64(remaining / 2) else {
                    throw error("map of \(argument) entries exceeds the \(remaining) remaining bytes", at: start)
                }
                var entries: [(key: CBOR, value: CBOR)] = []
                var keys: Set<CBOR> = []
                for _ in 0..<argument {
                    let keyOffset = position
                    let key = try decodeItem(depth: depth + 1)
                    guard keys.insert(key).inserted else {
                        throw error("duplicate map key \(key)", at: keyOffset)
                    }
                    entries.append((key: key, value: try decodeItem(depth: depth + 1)))
                }
                return .map(entries)
            case 6:
                try enter(depth: depth, at: start)
                return .tagged(argument, try decodeItem(depth: depth + 1))
            default:
                return try decodeSimpleOrFloat(info: info, argument: argument, at: start)
            }
        }

        private mutating func decodeSimpleOrFloat(info: UInt8, argument: UInt64, at start: Int) throws(SigningError) -> CBOR {
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22: return .null
            case 23: return .undefined
            case 24:
                // RFC 8949 §3.3: the two-byte form is only well-formed for values 32...255.
                guard argument >= 32, let value = SimpleValue(rawValue: UInt8(truncatingIfNeeded: argument)) else {
                    throw error("simple value \(argument) must use the one-byte form", at: start)
                }
                return .simple(value)
            case 25: return .float(Self.canonicalNaN(Self.halfPrecisionValue(UInt16(truncatingIfNeeded: argument))))
            case 26: return .float(Self.canonicalNaN(Double(Float(bitPattern: UInt32(truncatingIfNeeded: argument)))))
            case 27: return .float(Self.canonicalNaN(Double(bitPattern: argument)))
            default:
                // info < 20 here: the readArgument switch left no other values.
                guard let value = SimpleValue(rawValue: info) else { throw error("invalid simple value \(info)", at: start) }
                return .simple(value)
            }
        }

        private func enter(depth: Int, at start: Int) throws(SigningError) {
            guard depth < maximumDepth else {
                throw error("nesting deeper than \(maximumDepth) levels", at: start)
            }
        }

        private mutating func readByte() throws(SigningError) -> UInt8 {
            guard position < bytes.count else { throw error("unexpected end of input") }
            defer { position += 1 }
            return bytes[position]
        }

        private mutating func readArgument(info: UInt8) throws(SigningError) -> UInt64 {
            let byteCount: Int
            switch info {
            case 0..<24: return UInt64(info)
            case 24: byteCount = 1
            case 25: byteCount = 2
            case 26: byteCount = 4
            default: byteCount = 8
            }
            guard byteCount <= remaining else {
                throw error("argument needs \(byteCount) bytes, \(remaining) remain")
            }
            var value: UInt64 = 0
            for byte in bytes[position..<(position + byteCount)] {
                value = value << 8 | UInt64(byte)
            }
            position += byteCount
            return value
        }

        private mutating func readBytes(_ length: UInt64, what: String) throws(SigningError) -> ArraySlice<UInt8> {
            guard length <= UInt64(remaining) else {
                throw error("\(what) of \(length) bytes exceeds the \(remaining) remaining bytes")
            }
            let end = position + Int(length)
            defer { position = end }
            return bytes[position..<end]
        }

        private static func canonicalNaN(_ value: Double) -> Double {
            value.isNaN ? .nan : value
        }

        /// Converts IEEE 754 binary16 bits to a double (RFC 8949 Appendix D).
        static func halfPrecisionValue(_ bits: UInt16) -> Double {
            let exponent = Int((bits >> 10) & 0x1f)
            let fraction = Double(bits & 0x3ff)
            let magnitude: Double =
                switch exponent {
                case 0: fraction * 0x1p-24
                case 31: fraction == 0 ? .infinity : .nan
                default: (1024 + fraction) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
                }
            return bits & 0x8000 == 0 ? magnitude : -magnitude
        }
    }
}
