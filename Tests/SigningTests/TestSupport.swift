import Foundation
import Testing

@testable import Signing

/// Loads a file from Tests/SigningTests/Vectors.
func vectorData(_ name: String) throws -> Data {
    let url = try #require(
        Bundle.module.url(forResource: "Vectors/\(name)", withExtension: nil)
            ?? Bundle.module.resourceURL?.appendingPathComponent("Vectors/\(name)")
    )
    return try Data(contentsOf: url)
}

/// Parses a JSON file from the vectors folder.
func vectorJSON(_ name: String) throws -> JSONValue {
    try JSONValue(parsing: try vectorData(name))
}

/// Returns `value` with the member at `path` replaced by `newValue` (objects only).
func replacing(_ path: [String], in value: JSONValue, with newValue: JSONValue) -> JSONValue {
    guard let first = path.first, var members = value.objectValue else { return newValue }
    members[first] = replacing(Array(path.dropFirst()), in: members[first] ?? .null, with: newValue)
    return .object(members)
}

/// Expects `body` to throw a ``SigningError`` with `code`.
func expectSigningError(
    _ code: SigningError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected SigningError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SigningError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected SigningError(\(code)), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The IETF Token Status List draft's example P-256 key (oauth-wg/draft-ietf-oauth-status-list src/util.py), kid "12".
let ietfExampleJWK = JWK(
    kty: "EC",
    crv: "P-256",
    x: "I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo",
    y: "6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M",
    d: "xzUEdsyLosZF0acZGRAjTKImb0lQvAvssDK5XIZELd0",
    kid: "12"
)

/// The draft's example Status List Token (statuslist+jwt), signed with ``ietfExampleJWK``.
let ietfExampleStatusListJWT =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.eyJleHAiOjIyOTE3MjAxNzAsImlhdCI6MTY4NjkyMDE3MCwiaXNzIjoiaHR0cHM6Ly9leGFtcGxlLmNvbSIsInN0YXR1c19saXN0Ijp7ImJpdHMiOjEsImxzdCI6ImVOcmJ1UmdBQWhjQlhRIn0sInN1YiI6Imh0dHBzOi8vZXhhbXBsZS5jb20vc3RhdHVzbGlzdHMvMSIsInR0bCI6NDMyMDB9.2lKUUNG503R9htu4aHAYi7vjmr3sgApbfoDvPrl65N3URUO1EYqqQl45Jfzd-Av4QzlKa3oVALpLwOEUOq-U_g"

/// RFC 8037 §A.1 Ed25519 key.
let rfc8037JWK = JWK(
    kty: "OKP",
    crv: "Ed25519",
    x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
)
