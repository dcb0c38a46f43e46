import Foundation

/// RFC 8785 JSON Canonicalization Scheme (JCS) serialisation.
extension JSONValue {
    /// The RFC 8785 canonical form: no whitespace, object members sorted by the UTF-16 code units of their names,
    /// numbers as ECMAScript `Number.prototype.toString` writes them, strings with minimal escaping.
    ///
    /// Also a compact, deterministic serialisation for anything Standing emits as JSON.
    /// - Returns: The canonical UTF-8 bytes.
    /// - Throws: ``SigningError/Code/malformed`` when a number is not finite (only possible for values built in code).
    public func canonicalData() throws(SigningError) -> Data {
        var output = [UInt8]()
        try JSONCanonicalWriter.write(self, into: &output)
        return Data(output)
    }

    /// The RFC 8785 canonical form as a string; see ``canonicalData()``.
    /// - Returns: The canonical JSON text.
    /// - Throws: ``SigningError/Code/malformed`` when a number is not finite.
    public func canonicalString() throws(SigningError) -> String {
        var output = [UInt8]()
        try JSONCanonicalWriter.write(self, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `string` as a JSON string literal with RFC 8785's minimal escaping: `"` and `\` escaped, control
    /// characters as `\b \t \n \f \r` or `\u00xx`, everything else (`/`, non-ASCII) as its UTF-8 bytes. This is
    /// also what Foundation's `JSONEncoder` writes with `.withoutEscapingSlashes`, so hand-written encoders of hot
    /// responses can match it byte for byte.
    /// - Parameters:
    ///   - string: The text.
    ///   - output: The bytes to append to.
    public static func appendQuoted(_ string: String, to output: inout [UInt8]) {
        JSONCanonicalWriter.writeString(string, into: &output)
    }

    /// Formats a number exactly as ECMAScript `Number.prototype.toString` does, which RFC 8785 §3.2.2.3 requires.
    /// - Parameter value: A finite double.
    /// - Returns: The shortest round-tripping decimal text, e.g. `4.5`, `1e+30`, `1e-7`, `0` for `-0`.
    /// - Throws: ``SigningError/Code/malformed`` for NaN or an infinity, which JSON cannot carry.
    public static func canonicalNumber(_ value: Double) throws(SigningError) -> String {
        guard value.isFinite else {
            throw SigningError(.malformed, "JSON cannot carry the non-finite number \(value)")
        }
        if value == 0 { return "0" }
        if value < 0 { return "-" + (try canonicalNumber(-value)) }

        // Swift's description yields the shortest digits that round-trip, closest to the value when several
        // candidates have the same length, which is also the digit choice ECMAScript specifies.
        let (digits, pointPosition) = decimalDigits(of: value.description)
        let digitCount = digits.count
        let n = pointPosition  // value = 0.d1d2…dk × 10^n

        if digitCount <= n && n <= 21 {
            return String(digits) + String(repeating: "0", count: n - digitCount)
        }
        if 0 < n && n <= 21 {
            return String(digits[..<n]) + "." + String(digits[n...])
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + String(digits)
        }
        let exponent = n - 1
        let exponentText = exponent < 0 ? "-\(-exponent)" : "+\(exponent)"
        if digitCount == 1 {
            return String(digits) + "e" + exponentText
        }
        return String(digits[0]) + "." + String(digits[1...]) + "e" + exponentText
    }

    /// Splits a positive finite double's description into significant digits and the decimal point position `n`
    /// such that the value is `0.digits × 10^n`.
    private static func decimalDigits(of description: String) -> (digits: [Character], pointPosition: Int) {
        let parts = description.lowercased().split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let integerPartLength =
            mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        var pointPosition = integerPartLength + exponent
        while let first = digits.first, first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == "0" {
            digits.removeLast()
        }
        return (digits, pointPosition)
    }
}

enum JSONCanonicalWriter {
    static func write(_ value: JSONValue, into output: inout [UInt8]) throws(SigningError) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            output.append(contentsOf: try JSONValue.canonicalNumber(number).utf8)
        case .string(let string):
            writeString(string, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let names = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, name) in names.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(name, into: &output)
                output.append(UInt8(ascii: ":"))
                if let member = members[name] {
                    try write(member, into: &output)
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        // Runs of bytes that need no escape are copied in one go: status lists embed strings of a megabyte.
        string.withUTF8 { utf8 in
            var runStart = 0
            for (offset, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<offset]))
                writeEscape(byte, into: &output)
                runStart = offset + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into output: inout [UInt8]) {
        switch byte {
        case 0x22: output.append(contentsOf: [0x5C, 0x22])
        case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
        case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        default:
            output.append(contentsOf: Array("\\u00".utf8))
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
