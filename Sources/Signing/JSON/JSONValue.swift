import Foundation

/// A JSON value as I-JSON (RFC 7493) sees it: numbers are IEEE 754 doubles and object member names are unique.
///
/// This is the document model for everything Standing canonicalises or signs as JSON (JCS, Data Integrity, JWS
/// headers and payloads). Parse untrusted bytes with ``init(parsing:maximumDepth:)``, which is strict where
/// `JSONSerialization` is lenient; serialise with ``canonicalData()`` (RFC 8785).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A finite number. Integers are exact up to 2^53.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; member order carries no meaning.
    case object([String: JSONValue])

    /// The default nesting limit of ``init(parsing:maximumDepth:)``.
    public static let defaultMaximumDepth = 128

    /// Parses JSON text strictly.
    ///
    /// Accepts exactly RFC 8259 JSON in UTF-8 and additionally rejects what I-JSON forbids: duplicate member names,
    /// numbers that overflow a double, invalid UTF-8 and unpaired surrogate escapes. Leading and trailing whitespace
    /// is allowed; a byte order mark is not.
    /// - Parameters:
    ///   - data: The JSON text.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted; bounds recursion on hostile input.
    /// - Throws: ``SigningError/Code/malformed`` with the byte offset of the first problem.
    public init(parsing data: some DataProtocol, maximumDepth: Int = JSONValue.defaultMaximumDepth) throws(SigningError) {
        var parser = JSONParser(bytes: Array(data), maximumDepth: maximumDepth)
        self = try parser.parseDocument()
    }

    /// Converts an `Encodable` value through `JSONEncoder`, then parses the result strictly.
    /// - Parameter value: The value to convert.
    /// - Throws: ``SigningError/Code/malformed`` when the value does not encode or encodes to something I-JSON rejects.
    public init(encoding value: some Encodable) throws(SigningError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw SigningError(.malformed, "value does not encode as JSON: \(error)")
        }
        try self.init(parsing: data)
    }

    /// Decodes this value into a `Decodable` type through `JSONDecoder`.
    /// - Parameter type: The type to decode.
    /// - Returns: The decoded value.
    /// - Throws: ``SigningError/Code/malformed`` when the value does not have the type's shape.
    public func decode<T: Decodable>(_ type: T.Type) throws(SigningError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: canonicalData())
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.malformed, "JSON does not decode as \(T.self): \(error)")
        }
    }

    /// The member named `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The string when this is a string, else `nil`.
    public var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// The number when this is a number, else `nil`.
    public var numberValue: Double? {
        guard case .number(let value) = self else { return nil }
        return value
    }

    /// The number as an `Int` when this is a number with an exact integer value, else `nil`.
    public var integerValue: Int? {
        guard case .number(let value) = self else { return nil }
        return Int(exactly: value)
    }

    /// The Boolean when this is `true` or `false`, else `nil`.
    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The elements when this is an array, else `nil`.
    public var arrayValue: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// The members when this is an object, else `nil`.
    public var objectValue: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        return members
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value from a `Decoder`.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is not JSON-shaped or is a non-finite number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            guard value.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "JSON numbers must be finite")
            }
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes this value into an `Encoder`.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// Creates `null`.
    public init(nilLiteral: ()) { self = .null }
    /// Creates a Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates a number from an integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// Creates a number from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates an array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Creates an object; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
