import Signing
import StatusList

/// Why a status list or a status check failed, in the W3C validation vocabulary (which also covers the IETF
/// rules: an IETF failure is a retrieval, verification, range or malformed-value failure too).
///
/// How failures map to kinds:
/// - `STATUS_RETRIEVAL_ERROR`: the body is empty or of no recognisable securing form.
/// - `STATUS_VERIFICATION_ERROR`: anything about trust and applicability: the signature or proof, the key, the JWT/CWT
///   `typ`, the COSE tag, the validity period (`iat`/`exp`, `validFrom`/`validUntil`), `sub` not the referenced `uri`,
///   a purpose or entry size the list does not serve. A token that cannot even be parsed as a JWS or COSE_Sign1 is
///   here too, since nothing in it can be trusted.
/// - `MALFORMED_VALUE_ERROR`: a correctly signed list whose content is malformed (REC §3: "any malformed
///   MUST-property"): a missing or mistyped claim or member, an `encodedList` without the multibase `u` prefix, bad
///   base64url, the wrong compression container, corrupt compressed data, and a list that decompresses beyond
///   ``StatusListVerifier/Limits/maximumDecodedBytes`` (a decompression bomb; the detail states the limit).
/// - `STATUS_LIST_LENGTH_ERROR` and `RANGE_ERROR`: the W3C minimum length and the index range (validation steps 5, 6).
public struct StatusVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The W3C error kind; its ``StatusValidationErrorKind/typeURI`` is the RFC 9457 problem type.
    public let kind: StatusValidationErrorKind
    /// What exactly failed.
    public let detail: String

    /// Creates an error.
    public init(_ kind: StatusValidationErrorKind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// `KIND: detail`.
    public var description: String { "\(kind.rawValue): \(detail)" }

    /// Classifies a decoding error of the list itself (encoding, compression, size).
    static func list(_ error: StatusListError) -> StatusVerificationError {
        StatusVerificationError(error.validationErrorKind ?? .malformedValueError, error.reason)
    }

    /// A signature, key or claims failure.
    static func verification(_ error: SigningError) -> StatusVerificationError {
        switch error.code {
        case .malformed: StatusVerificationError(.statusVerificationError, "malformed secured status list: \(error.reason)")
        default: StatusVerificationError(.statusVerificationError, error.reason)
        }
    }

    /// A claims object that does not have the expected shape, described by the claim it concerns.
    static func claims(_ error: DecodingError, in what: String) -> StatusVerificationError {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        let detail: String
        switch error {
        case .keyNotFound(let key, let context):
            detail = "missing claim '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            detail = "claim '\(path(context.codingPath))' is not \(type == String.self ? "a string" : "a \(type)")"
        case .dataCorrupted(let context):
            detail = context.codingPath.isEmpty ? "not a JSON object" : "claim '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            detail = "\(error)"
        }
        return StatusVerificationError(.malformedValueError, "\(what): \(detail)")
    }

    /// Runs `body`, turning library errors into verification errors.
    static func classify<T>(_ body: () throws -> T) throws(StatusVerificationError) -> T {
        do {
            return try body()
        } catch let error as StatusVerificationError {
            throw error
        } catch let error as StatusListError {
            throw list(error)
        } catch let error as SigningError {
            throw verification(error)
        } catch {
            throw StatusVerificationError(.malformedValueError, "\(error)")
        }
    }
}
