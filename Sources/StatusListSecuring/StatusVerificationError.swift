import Signing
import StatusList

/// Why a status list or a status check failed, in the W3C validation vocabulary (which also covers the IETF
/// rules: an IETF failure is a retrieval, verification, range or malformed-value failure too).
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
