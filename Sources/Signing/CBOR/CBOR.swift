import Foundation

/// A CBOR data item (RFC 8949), as a plain value.
///
/// Maps keep their entries in the order given, because signed CBOR (COSE, CWT) is reproduced byte for byte and
/// some published examples do not use the sorted key order. Choose the map order when building a value, or ask
/// ``encoded(_:)`` for ``EncodingMode/coreDeterministic`` to sort keys as RFC 8949 §4.2.1 prescribes.
///
/// Equality is structural and order-sensitive for maps: two values are equal exactly when they encode to the same
/// bytes in ``EncodingMode/preferred`` mode. Floats compare by bit pattern, so `-0.0` differs from `0.0` and a NaN
/// equals itself.
public enum CBOR: Sendable {
    /// An unsigned integer (major type 0).
    case unsignedInt(UInt64)
    /// A negative integer (major type 1) whose value is `-1 - n`, so the whole range down to `-2^64` fits.
    case negativeInt(UInt64)
    /// A byte string (major type 2).
    case byteString(Data)
    /// A UTF-8 text string (major type 3).
    case textString(String)
    /// An array (major type 4).
    case array([CBOR])
    /// A map (major type 5) as ordered entries; the encoder keeps this order unless asked to sort.
    case map([(key: CBOR, value: CBOR)])
    /// A tagged item (major type 6): tag number and content.
    indirect case tagged(UInt64, CBOR)
    /// A simple value other than false, true, null and undefined (major type 7).
    case simple(SimpleValue)
    /// `false` or `true` (simple values 20 and 21).
    case bool(Bool)
    /// `null` (simple value 22).
    case null
    /// `undefined` (simple value 23).
    case undefined
    /// A floating-point number; encoded in the shortest of half, single and double precision that keeps its value.
    case float(Double)

    /// A simple value (major type 7) that has no dedicated case: 0 to 19 and 32 to 255.
    ///
    /// 20 to 23 are ``CBOR/bool(_:)``, ``CBOR/null`` and ``CBOR/undefined``; 24 to 31 are not valid simple values
    /// (RFC 8949 §3.3), so the initializer refuses all of them and every ``CBOR`` value has exactly one encoding.
    public struct SimpleValue: RawRepresentable, Hashable, Sendable {
        /// The simple value's number.
        public let rawValue: UInt8

        /// Creates a simple value.
        /// - Parameter rawValue: The number, 0...19 or 32...255.
        /// - Returns: `nil` for 20...31, which are booleans, null, undefined or not valid simple values.
        public init?(rawValue: UInt8) {
            guard !(20...31).contains(rawValue) else { return nil }
            self.rawValue = rawValue
        }
    }
}

// MARK: - Construction

extension CBOR {
    /// Creates an integer item, choosing the unsigned or negative major type from the sign.
    /// - Parameter value: The integer.
    public init(_ value: Int64) {
        // -1 - value cannot overflow for negative Int64, and its magnitude fits UInt64.
        self = value >= 0 ? .unsignedInt(UInt64(value)) : .negativeInt(UInt64(-1 - value))
    }

    /// Creates an integer item, choosing the unsigned or negative major type from the sign.
    /// - Parameter value: The integer.
    public init(_ value: Int) {
        self.init(Int64(value))
    }

    /// Creates an unsigned integer item.
    /// - Parameter value: The integer.
    public init(_ value: UInt64) {
        self = .unsignedInt(value)
    }
}

extension CBOR: ExpressibleByIntegerLiteral {
    /// Creates an integer item from a literal; use ``CBOR/unsignedInt(_:)`` for values above `Int64.max`.
    public init(integerLiteral value: Int64) {
        self.init(value)
    }
}

extension CBOR: ExpressibleByStringLiteral {
    /// Creates a text string item from a literal.
    public init(stringLiteral value: String) {
        self = .textString(value)
    }
}

extension CBOR: ExpressibleByBooleanLiteral {
    /// Creates a boolean item from a literal.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension CBOR: ExpressibleByFloatLiteral {
    /// Creates a floating-point item from a literal.
    public init(floatLiteral value: Double) {
        self = .float(value)
    }
}

extension CBOR: ExpressibleByArrayLiteral {
    /// Creates an array item from a literal.
    public init(arrayLiteral elements: CBOR...) {
        self = .array(elements)
    }
}

extension CBOR: ExpressibleByDictionaryLiteral {
    /// Creates a map item from a literal, keeping the entries in source order.
    public init(dictionaryLiteral elements: (CBOR, CBOR)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}

// MARK: - Accessors

extension CBOR {
    /// The value of an integer item when it fits `Int`; `nil` for other items or integers out of range.
    public var int: Int? {
        switch self {
        case .unsignedInt(let value): Int(exactly: value)
        case .negativeInt(let encoded): Int(exactly: encoded).map { -1 - $0 }
        default: nil
        }
    }

    /// The value of an unsigned integer item; `nil` for anything else, including negative integers.
    public var uint64: UInt64? {
        if case .unsignedInt(let value) = self { value } else { nil }
    }

    /// The text of a text string item.
    public var string: String? {
        if case .textString(let value) = self { value } else { nil }
    }

    /// The bytes of a byte string item.
    public var bytes: Data? {
        if case .byteString(let value) = self { value } else { nil }
    }

    /// The elements of an array item.
    public var array: [CBOR]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The entries of a map item, in their stored order.
    public var entries: [(key: CBOR, value: CBOR)]? {
        if case .map(let value) = self { value } else { nil }
    }

    /// The value of a boolean item.
    public var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The value of a floating-point item (integers are not converted).
    public var double: Double? {
        if case .float(let value) = self { value } else { nil }
    }

    /// The tag number of a tagged item.
    public var tag: UInt64? {
        if case .tagged(let tag, _) = self { tag } else { nil }
    }

    /// The content of a tagged item.
    public var tagContent: CBOR? {
        if case .tagged(_, let content) = self { content } else { nil }
    }

    /// Looks up a map entry by key, for example `claims[65533]?["bits"]?.int`.
    ///
    /// Integer and string literals become integer and text keys, so `item[1]` finds the key `1`, never an array
    /// element. Returns the first matching entry; decoded maps never hold duplicate keys.
    /// - Parameter key: The key to find.
    /// - Returns: The value, or `nil` when this is not a map or has no such key.
    public subscript(_ key: CBOR) -> CBOR? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }
}

// MARK: - Equality

extension CBOR: Hashable {
    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case (.unsignedInt(let left), .unsignedInt(let right)): left == right
        case (.negativeInt(let left), .negativeInt(let right)): left == right
        case (.byteString(let left), .byteString(let right)): left == right
        case (.textString(let left), .textString(let right)): left == right
        case (.array(let left), .array(let right)): left == right
        case (.map(let left), .map(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.tagged(let leftTag, let left), .tagged(let rightTag, let right)): leftTag == rightTag && left == right
        case (.simple(let left), .simple(let right)): left == right
        case (.bool(let left), .bool(let right)): left == right
        case (.null, .null), (.undefined, .undefined): true
        case (.float(let left), .float(let right)): left.bitPattern == right.bitPattern
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .unsignedInt(let value):
            hasher.combine(0)
            hasher.combine(value)
        case .negativeInt(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .byteString(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .textString(let value):
            hasher.combine(3)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(4)
            hasher.combine(value)
        case .map(let entries):
            hasher.combine(5)
            hasher.combine(entries.count)
            for entry in entries {
                hasher.combine(entry.key)
                hasher.combine(entry.value)
            }
        case .tagged(let tag, let content):
            hasher.combine(6)
            hasher.combine(tag)
            hasher.combine(content)
        case .simple(let value):
            hasher.combine(7)
            hasher.combine(value)
        case .bool(let value):
            hasher.combine(8)
            hasher.combine(value)
        case .null:
            hasher.combine(9)
        case .undefined:
            hasher.combine(10)
        case .float(let value):
            hasher.combine(11)
            hasher.combine(value.bitPattern)
        }
    }
}

// MARK: - Diagnostic notation

extension CBOR: CustomStringConvertible {
    /// The item in CBOR diagnostic notation (RFC 8949 §8), e.g. `{1: -7, 4: h'3132'}`.
    public var description: String {
        switch self {
        case .unsignedInt(let value):
            return String(value)
        case .negativeInt(let encoded):
            // -1 - encoded may not fit Int64, so print the magnitude encoded + 1 with its own arithmetic.
            return encoded == .max ? "-18446744073709551616" : "-\(encoded + 1)"
        case .byteString(let value):
            return "h'" + value.map { String(format: "%02x", $0) }.joined() + "'"
        case .textString(let value):
            return Self.quoted(value)
        case .array(let elements):
            return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\($0.key.description): \($0.value.description)" }.joined(separator: ", ") + "}"
        case .tagged(let tag, let content):
            return "\(tag)(\(content.description))"
        case .simple(let value):
            return "simple(\(value.rawValue))"
        case .bool(let value):
            return value ? "true" : "false"
        case .null:
            return "null"
        case .undefined:
            return "undefined"
        case .float(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
            return "\(value)"
        }
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
