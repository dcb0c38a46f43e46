import Foundation
import Signing

/// Strict readers for members of untrusted JSON objects, each failing with a ``RegistryError/Code/malformed`` that
/// names the member.
struct JSONObjectReader {
    let members: [String: JSONValue]
    let context: String

    init(_ value: JSONValue?, context: String) throws(RegistryError) {
        guard let members = value?.objectValue else { throw RegistryError(.malformed, "\(context) is not a JSON object") }
        self.members = members
        self.context = context
    }

    func has(_ name: String) -> Bool { members[name] != nil && members[name]?.isNull == false }

    func string(_ name: String, maximumLength: Int = 4096) throws(RegistryError) -> String {
        guard let value = try optionalString(name, maximumLength: maximumLength) else {
            throw RegistryError(.malformed, "\(context) has no \(name)")
        }
        return value
    }

    func optionalString(_ name: String, maximumLength: Int = 4096) throws(RegistryError) -> String? {
        guard let member = members[name], !member.isNull else { return nil }
        guard let text = member.stringValue else { throw RegistryError(.malformed, "\(context) member \(name) is not a string") }
        guard !text.isEmpty, text.utf8.count <= maximumLength else {
            throw RegistryError(.malformed, "\(context) member \(name) is empty or longer than \(maximumLength) bytes")
        }
        return text
    }

    func integer(_ name: String) throws(RegistryError) -> Int {
        guard let member = members[name] else { throw RegistryError(.malformed, "\(context) has no \(name)") }
        guard let value = member.integerValue, value > -(1 << 40), value < 1 << 40 else {
            throw RegistryError(.malformed, "\(context) member \(name) is not an integer NumericDate")
        }
        return value
    }

    func time(_ name: String) throws(RegistryError) -> Date {
        do {
            return try RegistryTime.parse(try string(name, maximumLength: 64))
        } catch {
            throw RegistryError(.malformed, "\(context) member \(name): \(error.reason)")
        }
    }

    func optionalTime(_ name: String) throws(RegistryError) -> Date? {
        guard has(name) else { return nil }
        return try time(name)
    }

    /// An array of strings; with `allowSingle`, a lone string counts as a one-element array (EBSI's
    /// `limitJurisdiction` is "uri or uri[]").
    func strings(
        _ name: String,
        required: Bool = true,
        allowSingle: Bool = false,
        maximumCount: Int = Scope.maximumValues
    )
        throws(RegistryError) -> [String]
    {
        guard let member = members[name], !member.isNull else {
            if required { throw RegistryError(.malformed, "\(context) has no \(name)") }
            return []
        }
        if allowSingle, let single = member.stringValue { return [single] }
        guard let elements = member.arrayValue else {
            throw RegistryError(.malformed, "\(context) member \(name) is not an array of strings")
        }
        guard elements.count <= maximumCount else {
            throw RegistryError(.malformed, "\(context) member \(name) has more than \(maximumCount) values")
        }
        var result = [String]()
        for element in elements {
            guard let text = element.stringValue, !text.isEmpty, text.utf8.count <= 2048 else {
                throw RegistryError(.malformed, "\(context) member \(name) holds something other than non-empty strings")
            }
            result.append(text)
        }
        return result
    }

    func object(_ name: String) throws(RegistryError) -> JSONObjectReader {
        try JSONObjectReader(members[name], context: "\(context).\(name)")
    }

    func decode<T: Decodable>(_ type: T.Type, _ name: String) throws(RegistryError) -> T {
        guard let member = members[name] else { throw RegistryError(.malformed, "\(context) has no \(name)") }
        do {
            return try member.decode(T.self)
        } catch {
            throw RegistryError(.malformed, "\(context) member \(name) does not have the expected shape: \(error.reason)")
        }
    }
}

extension JSONValue {
    /// Encodes an `Encodable` value, mapping failures to ``RegistryError/Code/malformed``.
    static func registryEncoding(_ value: some Encodable) throws(RegistryError) -> JSONValue {
        do {
            return try JSONValue(encoding: value)
        } catch {
            throw RegistryError(.malformed, "value does not encode as JSON: \(error.reason)")
        }
    }

    /// The canonical (RFC 8785) bytes, mapping failures to ``RegistryError/Code/malformed``.
    func registryCanonicalData() throws(RegistryError) -> Data {
        do {
            return try canonicalData()
        } catch {
            throw RegistryError(.malformed, "value does not canonicalise: \(error.reason)")
        }
    }
}

/// Whether `text` is 64 lowercase hex characters (a 32-byte id).
func isRegistryID(_ text: String) -> Bool {
    text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
}

/// Lowercase hex of bytes.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var output = [UInt8]()
    for byte in bytes {
        output.append(digits[Int(byte >> 4)])
        output.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: output, as: UTF8.self)
}
