import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// A request body that ``Request/decodeStrict(_:context:)`` decodes strictly, at every nesting level.
///
/// The members an object may have are the keys its `CodingKeys` accept (synthesised or written by hand): for the
/// body itself and for every type decoded inside it (array elements, nested objects, types from other modules).
/// Any other member is refused with a 400 that names it and where it is, so a misspelt `"reasn"` or `"valu"`
/// cannot silently drop a value. Conforming types need nothing beyond `Decodable`.
public protocol StrictRequestBody: Decodable {}

extension Request {
    /// Decodes a JSON body strictly: size-capped, an object, no unknown members at any level, exact types.
    ///
    /// The body is parsed once (by `JSONDecoder`); see ``StrictJSON``.
    /// - Throws: ``ServiceError`` `badRequest` / `payloadTooLarge` with a precise detail.
    func decodeStrict<Body: StrictRequestBody>(_ type: Body.Type, context: StandingRequestContext) async throws -> Body {
        let buffer = try await collectBody(limit: context.maxUploadSize)
        return try StrictJSON.decode(Body.self, from: Data(buffer.readableBytesView))
    }

    /// The whole request body, at most `limit` bytes: what every route that reads a body reads it with.
    ///
    /// A declared `Content-Length` above the limit is refused before any of the body is read, so a client cannot
    /// hold the connection by announcing a body it never sends.
    /// - Throws: ``ServiceError`` `payloadTooLarge` when the body is (or is declared) larger than `limit`,
    ///   `badRequest` when its HTTP framing is malformed (bad chunk sizes, unknown transfer codings).
    func collectBody(limit: Int) async throws -> ByteBuffer {
        let tooLarge = ServiceError(.payloadTooLarge, "the body is larger than \(limit) bytes")
        if let declared = headers[.contentLength], let length = UInt64(declared), length > UInt64(limit) { throw tooLarge }
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch let error as HTTPParserError {
            throw ServiceError.malformedFraming(error)
        }
    }
}

extension ServiceError {
    /// A request whose HTTP/1 framing NIO's parser refused after its head was read (a bad chunk size, say).
    static func malformedFraming(_ error: HTTPParserError) -> ServiceError {
        ServiceError(.badRequest, "the request body's HTTP framing is malformed (\(error))")
    }
}

/// Strict JSON decoding of request bodies in one parse.
///
/// `JSONDecoder` ignores members a type does not decode. Here every decoder, keyed, unkeyed and single-value
/// container is wrapped (``StrictDecoder``): when a type asks for a keyed container, the object's members are
/// checked against the type's coding keys before it reads any of them. Nested values are decoded through the
/// wrappers too, so the check reaches every level without any per-type code.
enum StrictJSON {
    /// How many unknown members of one object a problem detail names, and how much of each name it quotes:
    /// the detail echoes client input and must stay short.
    static let namedMembersLimit = 5
    static let memberNameLimit = 64

    /// Decodes `data` as `Body`, refusing unknown members at every level.
    /// - Throws: ``ServiceError`` `badRequest` for an empty body, invalid JSON, a body that is not an object, an
    ///   unknown member ("unknown member 'valu' in changes[3]"), a missing member or a wrong type; errors that
    ///   the decoded types throw themselves (e.g. `StatusListError`) unchanged.
    static func decode<Body: Decodable>(_ type: Body.Type, from data: Data) throws -> Body {
        guard !data.isEmpty else { throw ServiceError(.badRequest, "the body is empty; expected a JSON object") }
        do {
            return try JSONDecoder().decode(Root<Body>.self, from: data).value
        } catch let error as UnknownMembersError {
            throw ServiceError(.badRequest, error.description)
        } catch let error as DecodingError {
            throw ServiceError(.badRequest, describe(error))
        }
    }

    /// A decoding failure in words. Container failures get JSON names ("expected an object") instead of Swift's
    /// (`Dictionary<String, Any>`); everything else as ``ProblemDetails/describe(_:)`` words it.
    static func describe(_ error: DecodingError) -> String {
        let shape: (type: Any.Type, context: DecodingError.Context, foundNull: Bool)? =
            switch error {
            case .typeMismatch(let type, let context): (type, context, false)
            case .valueNotFound(let type, let context): (type, context, true)
            default: nil
            }
        if let shape {
            let expected: String? =
                if shape.type is [String: Any].Type { "an object" } else if shape.type is [Any].Type { "an array" } else { nil }
            if let expected {
                if shape.context.codingPath.isEmpty { return "the body must be a JSON object" }
                return "\(path(shape.context.codingPath)): expected \(expected)\(shape.foundNull ? ", found null" : "")"
            }
        }
        return ProblemDetails.describe(error)
    }

    /// A coding path as a client reads it: `changes[3]`, `statusMessages[0].status`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return String(text.drop { $0 == "." })
    }

    /// The entry point handed to `JSONDecoder`: decodes `Body` through a ``StrictDecoder``.
    private struct Root<Body: Decodable>: Decodable {
        let value: Body

        init(from decoder: any Decoder) throws {
            let log = UnknownMembersLog()
            do {
                value = try Body(from: StrictDecoder(base: decoder, log: log))
            } catch {
                // A type may wrap the error its container threw in one of its own (StatusMessage does): the unknown
                // member is still the cause to report.
                if let unknown = log.first { throw unknown }
                throw error
            }
        }
    }
}

/// Members of one object that its type does not know.
struct UnknownMembersError: Error, CustomStringConvertible {
    /// The unknown member names, sorted.
    let names: [String]
    /// Where the object is, e.g. `changes[3]`; empty for the body itself.
    let path: String

    var description: String {
        let quoted = names.prefix(StrictJSON.namedMembersLimit).map { name in
            name.count > StrictJSON.memberNameLimit ? "'\(name.prefix(StrictJSON.memberNameLimit))…'" : "'\(name)'"
        }
        let more = names.count > StrictJSON.namedMembersLimit ? " and \(names.count - StrictJSON.namedMembersLimit) more" : ""
        let location = path.isEmpty ? "" : " in \(path)"
        return "unknown member\(names.count > 1 ? "s" : "") \(quoted.joined(separator: ", "))\(more)\(location)"
    }
}

/// Remembers the first unknown member found while decoding one body (see ``StrictJSON``).
private final class UnknownMembersLog {
    var first: UnknownMembersError?

    /// Throws (and remembers) ``UnknownMembersError`` when `object` has a member that `Key` cannot represent.
    func check<Key: CodingKey>(_ object: KeyedDecodingContainer<AnyCodingKey>, against keys: Key.Type) throws {
        var unknown: [String] = []
        for member in object.allKeys where Key(stringValue: member.stringValue) == nil {
            unknown.append(member.stringValue)
        }
        guard !unknown.isEmpty else { return }
        let error = UnknownMembersError(names: unknown.sorted(), path: StrictJSON.path(object.codingPath))
        if first == nil { first = error }
        throw error
    }
}

/// A coding key for any member name: the view of an object in which every member is visible.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    init(_ key: some CodingKey) {
        self.stringValue = key.stringValue
        self.intValue = key.intValue
    }
}

/// Whether `JSONDecoder` decodes `type` itself rather than through its `init(from:)`: such values have no
/// members and are passed to the wrapped container as they are (decoding a `URL` or `Data` through its own
/// `init(from:)` would expect a different JSON shape).
private func isDecodedByJSONDecoder(_ type: Any.Type) -> Bool {
    type == Date.self || type == Data.self || type == URL.self || type == Decimal.self
}

/// A decoder that hands out strict containers over another decoder's (see ``StrictJSON``).
private struct StrictDecoder: Decoder {
    let base: any Decoder
    let log: UnknownMembersLog

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let object = try base.container(keyedBy: AnyCodingKey.self)
        try log.check(object, against: Key.self)
        return KeyedDecodingContainer(StrictKeyedContainer<Key>(base: object, log: log))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        StrictUnkeyedContainer(base: try base.unkeyedContainer(), log: log)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        StrictSingleValueContainer(base: try base.singleValueContainer(), decoder: self)
    }
}

/// An object's members, read through a container that sees all of them (so the check above could run).
private struct StrictKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<AnyCodingKey>
    let log: UnknownMembersLog

    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys.compactMap { Key(stringValue: $0.stringValue) } }

    func contains(_ key: Key) -> Bool { base.contains(AnyCodingKey(key)) }
    /// No request body member may be null (the OpenAPI document has no nullable member): an optional member is left
    /// out, never `null`, so `{"count": null}` is refused rather than read as the default. `decodeIfPresent` asks
    /// this for every optional member that is present.
    func decodeNil(forKey key: Key) throws -> Bool {
        guard try base.decodeNil(forKey: AnyCodingKey(key)) else { return false }
        throw DecodingError.dataCorrupted(
            DecodingError.Context(codingPath: codingPath + [key], debugDescription: "null is not allowed; leave the member out instead"))
    }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try base.decode(type, forKey: AnyCodingKey(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try base.decode(type, forKey: AnyCodingKey(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if isDecodedByJSONDecoder(type) { return try base.decode(type, forKey: AnyCodingKey(key)) }
        // `superDecoder(forKey:)` stands for null when the member is missing; a required member must be reported.
        guard base.contains(AnyCodingKey(key)) else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)")
            )
        }
        return try T(from: StrictDecoder(base: try base.superDecoder(forKey: AnyCodingKey(key)), log: log))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let object = try base.nestedContainer(keyedBy: AnyCodingKey.self, forKey: AnyCodingKey(key))
        try log.check(object, against: NestedKey.self)
        return KeyedDecodingContainer(StrictKeyedContainer<NestedKey>(base: object, log: log))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        StrictUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: AnyCodingKey(key)), log: log)
    }

    func superDecoder() throws -> any Decoder { StrictDecoder(base: try base.superDecoder(), log: log) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        StrictDecoder(base: try base.superDecoder(forKey: AnyCodingKey(key)), log: log)
    }
}

/// An array's elements, each decoded through a ``StrictDecoder``.
private struct StrictUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    let log: UnknownMembersLog

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if isDecodedByJSONDecoder(type) { return try base.decode(type) }
        return try T(from: StrictDecoder(base: try base.superDecoder(), log: log))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let object = try base.nestedContainer(keyedBy: AnyCodingKey.self)
        try log.check(object, against: NestedKey.self)
        return KeyedDecodingContainer(StrictKeyedContainer<NestedKey>(base: object, log: log))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        StrictUnkeyedContainer(base: try base.nestedUnkeyedContainer(), log: log)
    }

    mutating func superDecoder() throws -> any Decoder { StrictDecoder(base: try base.superDecoder(), log: log) }
}

/// A single value; a composite one (a wrapper type around an object) is decoded through the same strict decoder.
private struct StrictSingleValueContainer: SingleValueDecodingContainer {
    let base: any SingleValueDecodingContainer
    let decoder: StrictDecoder

    var codingPath: [any CodingKey] { base.codingPath }

    func decodeNil() -> Bool { base.decodeNil() }
    func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if isDecodedByJSONDecoder(type) { return try base.decode(type) }
        return try T(from: decoder)
    }
}

/// Encodes a value as a JSON response with stable member order.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}
