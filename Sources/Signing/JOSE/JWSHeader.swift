import Foundation

/// The protected header of a compact JWS, with typed access to the registered members Standing uses and the raw
/// JSON for everything else (JAdES `sigT`, `x5t#S256`...).
///
/// Parsing validates the types of the typed members, so their accessors cannot fail.
public struct JWSHeader: Sendable, Hashable {
    /// The header object.
    public let json: [String: JSONValue]
    /// The exact decoded header bytes (the JSON text that was signed).
    public let rawJSON: Data

    /// `alg`: the signature algorithm name, as written.
    public var algorithm: String { json["alg"]?.stringValue ?? "" }
    /// `typ`: the media type of the whole JWS, e.g. `statuslist+jwt`.
    public var type: String? { json["typ"]?.stringValue }
    /// `cty`: the media type of the payload.
    public var contentType: String? { json["cty"]?.stringValue }
    /// `kid`: the key identifier.
    public var keyID: String? { json["kid"]?.stringValue }
    /// `crit`: extension members the recipient must understand.
    public var critical: [String] { json["crit"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// `x5c`: the certificate chain as DER, leaf first (decoded from standard, padded base64).
    public var certificateChain: [Data]? {
        json["x5c"]?.arrayValue?.compactMap { $0.stringValue.flatMap { Data(base64Encoded: $0) } }
    }

    /// The member named `name`, for members without a typed accessor.
    public subscript(name: String) -> JSONValue? { json[name] }

    /// Parses and checks a decoded header.
    /// - Parameter rawJSON: The header JSON bytes.
    /// - Throws: ``SigningError/Code/malformed`` when the header is not a JSON object, has no string `alg`, or a
    ///   typed member has the wrong type.
    public init(rawJSON: Data) throws(SigningError) {
        guard let object = try JSONValue(parsing: rawJSON).objectValue else {
            throw SigningError(.malformed, "JWS header is not a JSON object")
        }
        guard let alg = object["alg"]?.stringValue, !alg.isEmpty else {
            throw SigningError(.malformed, "JWS header has no alg")
        }
        for name in ["typ", "cty", "kid"] where object[name] != nil && object[name]?.stringValue == nil {
            throw SigningError(.malformed, "JWS header member \(name) is not a string")
        }
        if let x5c = object["x5c"] {
            guard let entries = x5c.arrayValue, !entries.isEmpty,
                entries.allSatisfy({ $0.stringValue.flatMap { Data(base64Encoded: $0) } != nil })
            else {
                throw SigningError(.malformed, "JWS header x5c is not a non-empty array of base64 certificates")
            }
        }
        if let crit = object["crit"] {
            // RFC 7515 §4.1.11: a non-empty list of names, none of them defined by the JWS/JWA specifications.
            guard let names = crit.arrayValue?.compactMap(\.stringValue), !names.isEmpty, names.count == crit.arrayValue?.count,
                Set(names).isDisjoint(with: Self.registeredNames), names.allSatisfy({ object[$0] != nil })
            else {
                throw SigningError(.malformed, "JWS header crit is not a list of present extension member names")
            }
        }
        self.json = object
        self.rawJSON = rawJSON
    }

    static let registeredNames: Set<String> = ["alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"]
}
