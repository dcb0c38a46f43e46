import Foundation
import HTTPTypes
import Hummingbird
import Logging
import StandingAPI
import NIOCore
import NIOHTTP1
import StatusList
import Store
import TrustRegistry

/// An RFC 9457 problem, the body of every error response (`application/problem+json`), sent as the wire type
/// ``StandingAPI/Problem`` that the admin client decodes.
public struct ProblemDetails: Error, HTTPResponseError, Codable, Sendable {
    /// A URI identifying the problem type. W3C status errors use the spec's URIs.
    public var type: String
    public var title: String
    /// The HTTP status code.
    public var statusCode: Int
    /// What exactly was wrong with this request.
    public var detail: String

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    enum CodingKeys: String, CodingKey {
        case type, title, detail
        case statusCode = "status"
    }

    /// Creates a problem.
    public init(status: HTTPResponse.Status, type: String, title: String, detail: String) {
        self.type = type
        self.title = title
        self.statusCode = status.code
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Problem(type: type, title: title, status: statusCode, detail: detail))
        var headers: HTTPFields = [
            .contentType: "application/problem+json",
            .cacheControl: "no-store",
            // Browser-based verifiers read the public errors too; no credentials are involved.
            .accessControlAllowOrigin: "*",
        ]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if status == .notAcceptable { headers[.vary] = "Accept" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The problem type URI for Standing's own problem kinds.
    static func standingType(_ name: String) -> String { "urn:standing:problem:\(name)" }

    /// Maps any error to a problem. This is the one place where errors become HTTP statuses.
    public static func from(_ error: any Error) -> ProblemDetails {
        switch error {
        case let problem as ProblemDetails:
            return problem
        case let error as ServiceError:
            return from(error)
        case let error as StoreError:
            return from(error)
        case let error as RegistryError:
            return from(error)
        case let error as StatusListError:
            return ProblemDetails(
                status: .badRequest, type: standingType("invalid-value"), title: "Invalid value", detail: error.reason)
        case let error as DecodingError:
            return ProblemDetails(
                status: .badRequest, type: standingType("malformed-request"), title: "Malformed request",
                detail: describe(error))
        case let error as HTTPParserError:
            return from(ServiceError.malformedFraming(error))
        case is NIOTooManyBytesError:
            return ProblemDetails(
                status: .contentTooLarge, type: standingType("payload-too-large"), title: "Payload too large",
                detail: "the body is larger than this endpoint accepts")
        case let error as HTTPError:
            return ProblemDetails(
                status: error.status, type: "about:blank", title: error.status.reasonPhrase,
                detail: error.body ?? error.status.reasonPhrase)
        default:
            return ProblemDetails(
                status: .internalServerError, type: "about:blank", title: "Internal Server Error",
                detail: "the server failed to answer this request; it has been logged")
        }
    }

    static func from(_ error: ServiceError) -> ProblemDetails {
        let (status, type, title): (HTTPResponse.Status, String, String) =
            switch error.code {
            case .badRequest: (.badRequest, standingType("malformed-request"), "Malformed request")
            case .invalidValue: (.badRequest, standingType("invalid-value"), "Invalid value")
            case .forbiddenTransition: (.conflict, standingType("forbidden-transition"), "Forbidden status transition")
            case .notFound: (.notFound, standingType("not-found"), "Not found")
            case .unauthorized: (.unauthorized, standingType("unauthorized"), "Unauthorized")
            case .forbidden: (.forbidden, standingType("forbidden"), "Forbidden")
            case .conflict: (.conflict, standingType("conflict"), "Conflict")
            case .listFull: (.conflict, standingType("list-full"), "List full")
            // 403, not 409 or 429: the request is valid and the caller authenticated, but it is beyond what this
            // principal is allowed until the operator raises the quota; retrying does not help.
            case .quotaExceeded: (.forbidden, standingType("quota-exceeded"), "Quota exceeded")
            // 403 like a quota: authenticated and well-formed, but not allowed until the registry accredits the issuer.
            case .notAccredited: (.forbidden, standingType("not-accredited"), "Issuer not accredited")
            case .notAcceptable: (.notAcceptable, standingType("not-acceptable"), "Not acceptable")
            case .payloadTooLarge: (.contentTooLarge, standingType("payload-too-large"), "Payload too large")
            case .notImplemented: (.notImplemented, standingType("not-implemented"), "Not implemented")
            case .statusRetrieval:
                (.notFound, StatusValidationErrorKind.statusRetrievalError.typeURI, StatusValidationErrorKind.statusRetrievalError.title)
            case .rangeError: (.badRequest, StatusValidationErrorKind.rangeError.typeURI, StatusValidationErrorKind.rangeError.title)
            default: (.serviceUnavailable, standingType("unavailable"), "Service unavailable")
            }
        return ProblemDetails(status: status, type: type, title: title, detail: error.detail)
    }

    static func from(_ error: RegistryError) -> ProblemDetails {
        let (status, name, title): (HTTPResponse.Status, String, String) =
            switch error.code {
            case .malformed: (.badRequest, "malformed-request", "Malformed request")
            case .badSignature: (.badRequest, "bad-signature", "Bad signature")
            case .unknownEntity: (.notFound, "unknown-entity", "Unknown entity")
            case .unknownAuthority: (.notFound, "unknown-authority", "Unknown authority")
            case .unknownAccreditation: (.notFound, "unknown-accreditation", "Unknown accreditation")
            case .scopeViolation: (.forbidden, "scope-violation", "Scope violation")
            case .notActive: (.forbidden, "not-active", "Not active")
            case .notPermitted: (.forbidden, "not-permitted", "Not permitted")
            case .forbiddenTransition: (.conflict, "forbidden-transition", "Forbidden transition")
            case .conflict: (.conflict, "conflict", "Conflict")
            case .gone: (.gone, "gone", "Gone")
            case .expired: (.badRequest, "expired", "Expired")
            default: (.serviceUnavailable, "unavailable", "Service unavailable")
            }
        return ProblemDetails(status: status, type: standingType(name), title: title, detail: error.reason)
    }

    static func from(_ error: StoreError) -> ProblemDetails {
        switch error.code {
        case .notFound: ProblemDetails(status: .notFound, type: standingType("not-found"), title: "Not found", detail: error.reason)
        case .conflict: ProblemDetails(status: .conflict, type: standingType("conflict"), title: "Conflict", detail: error.reason)
        case .listFull: ProblemDetails(status: .conflict, type: standingType("list-full"), title: "List full", detail: error.reason)
        case .rejected: ProblemDetails(status: .badRequest, type: standingType("invalid-value"), title: "Invalid value", detail: error.reason)
        default:
            ProblemDetails(
                status: .serviceUnavailable, type: standingType("unavailable"), title: "Service unavailable",
                detail: "the database is unavailable; retry later")
        }
    }

    /// A precise, one-line description of a JSON decoding failure: which member, what was expected.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "the body" : String(path.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(jsonTypeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(jsonTypeName(type)), found null"
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "the body" : path(context)
            return "\(parent): missing member '\(key.stringValue)'"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            if context.codingPath.isEmpty { return "the body is not valid JSON" + (underlying.map { ": \($0)" } ?? "") }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "the body could not be decoded"
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is UInt8.Type, is UInt64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: String(describing: type)
        }
    }
}

/// Turns every error thrown below it into an `application/problem+json` response and logs server faults.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Creates the middleware.
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = ProblemDetails.from(error)
            if problem.statusCode >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
