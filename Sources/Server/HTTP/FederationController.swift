import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Signing
import StandingAPI
import TrustRegistry

/// The registry as an OpenID Federation 1.0 Trust Anchor (see ``FederationConfiguration``): its Entity Configuration at
/// `/.well-known/openid-federation`, the fetch and list endpoints for Subordinate Statements about bodies and issuers,
/// and the Trust Mark, Trust Marked Entities Listing and Trust Mark Status endpoints.
///
/// Errors follow the specification (§8.9): a JSON object `{"error", "error_description"}` with content type
/// `application/json`, which §8.2.1 requires for `unsupported_parameter`, not the RFC 9457 problem details of the
/// other endpoints.
struct FederationController: Sendable {
    typealias Context = StandingRequestContext
    let registry: RegistryService

    /// The parameters each GET endpoint understands; any other is answered `unsupported_parameter` (§8.2.1).
    static let listParameters: Set<String> = ["entity_type", "trust_marked", "trust_mark_type", "intermediate"]
    static let fetchParameters: Set<String> = ["sub"]
    static let trustMarkParameters: Set<String> = ["trust_mark_type", "sub"]
    /// The largest Trust Mark Status request body accepted.
    static let maximumStatusRequestBytes = 64 << 10

    func addRoutes(to router: Router<Context>) {
        router.get(".well-known/openid-federation", use: entityConfiguration)
        router.get("federation/fetch", use: fetch)
        router.get("federation/list", use: list)
        router.get("federation/trust-mark", use: trustMark)
        router.get("federation/trust-mark-list", use: trustMarkList)
        router.post("federation/trust-mark-status", use: trustMarkStatus)
    }

    // MARK: Errors

    /// An OpenID Federation error response (§8.9).
    struct FederationError: Error {
        let status: HTTPResponse.Status
        let code: String
        let description: String

        static func invalidRequest(_ description: String) -> FederationError { FederationError(status: .badRequest, code: "invalid_request", description: description) }
        static func notFound(_ description: String) -> FederationError { FederationError(status: .notFound, code: "not_found", description: description) }

        var response: Response {
            let body: [String: String] = ["error": code, "error_description": description]
            let data = (try? JSONEncoder().encode(body)) ?? Data("{\"error\":\"\(code)\"}".utf8)
            return Response(
                status: status,
                headers: [.contentType: "application/json", .cacheControl: "no-store", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Runs a handler, answering its errors in the federation's error format.
    func answering(_ handler: () async throws -> Response) async throws -> Response {
        do {
            return try await handler()
        } catch let error as FederationError {
            return error.response
        } catch let error as RegistryError {
            switch error.code {
            case .unknownEntity, .unknownAccreditation, .unknownAuthority:
                return FederationError.notFound(error.reason).response
            case .malformed:
                return FederationError.invalidRequest(error.reason).response
            default:
                return FederationError(status: .internalServerError, code: "server_error", description: "the statement could not be signed").response
            }
        } catch let error as ServiceError where error.code == .badRequest {
            return FederationError.invalidRequest(error.detail).response
        }
    }

    /// Refuses parameters the endpoint does not understand.
    func checkParameters(_ request: Request, allowed: Set<String>) throws {
        for (name, _) in request.uri.queryParameters {
            let key = String(name)
            if !allowed.contains(key) {
                throw FederationError(
                    status: .badRequest, code: "unsupported_parameter", description: "the parameter \(key.prefix(64)) is not supported here")
            }
        }
    }

    /// The one value of a required parameter.
    func required(_ request: Request, _ name: String) throws -> String {
        let values = request.uri.queryParameters.getAll(name)
        guard values.count == 1, let value = values.first, !value.isEmpty else {
            throw FederationError.invalidRequest(values.count > 1 ? "\(name) is given more than once" : "\(name) is required")
        }
        return value
    }

    /// An optional boolean parameter (`true` or `false`).
    func boolean(_ request: Request, _ name: String) throws -> Bool {
        let values = request.uri.queryParameters.getAll(name)
        guard values.count <= 1 else { throw FederationError.invalidRequest("\(name) is given more than once") }
        switch values.first {
        case nil, "false": return false
        case "true": return true
        default: throw FederationError.invalidRequest("\(name) must be true or false")
        }
    }

    // MARK: Responses

    func jwt(_ compact: String, mediaType: String, seq: Int, etag: String? = nil, maxAge: Int, request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/" + mediaType,
            .cacheControl: maxAge > 0 ? "public, max-age=\(maxAge)" : "no-store",
            .accessControlAllowOrigin: "*",
        ]
        headers[RegistryController.seqHeader] = String(seq)
        if let etag {
            headers[.eTag] = etag
            if let match = request.headers[.ifNoneMatch], EntityTag.matches(match, etag: etag) {
                return Response(status: .notModified, headers: headers)
            }
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: compact)))
    }

    func entityIDs(_ ids: [String], seq: Int) throws -> Response {
        var response = try jsonResponse(ids, headers: [.cacheControl: "no-cache", .accessControlAllowOrigin: "*"])
        response.headers[RegistryController.seqHeader] = String(seq)
        return response
    }

    // MARK: Endpoints

    @Sendable func entityConfiguration(request: Request, context: Context) async throws -> Response {
        try await answering {
            let artefacts = registry.artefacts
            guard let configuration = artefacts.entityConfiguration else {
                throw FederationError.notFound("the registry has no root authority yet, so it is no Trust Anchor")
            }
            var response = jwt(
                configuration, mediaType: FederationMediaType.entityStatement, seq: artefacts.state.seq,
                etag: "\"ec-\(artefacts.signedSeq)-\(configuration.suffix(16))\"", maxAge: 60, request: request)
            response.headers[RegistryController.signedSeqHeader] = String(artefacts.signedSeq)
            return response
        }
    }

    @Sendable func fetch(request: Request, context: Context) async throws -> Response {
        try await answering {
            try checkParameters(request, allowed: Self.fetchParameters)
            let subject = try required(request, "sub")
            if subject == registry.federation.entityID {
                throw FederationError.invalidRequest("sub is the Trust Anchor itself: its Entity Configuration is at /.well-known/openid-federation")
            }
            let statement = try registry.subordinateStatement(about: subject)
            return jwt(
                statement.compact, mediaType: FederationMediaType.entityStatement, seq: statement.seq,
                etag: "\"\(statement.seq)-\(statement.compact.suffix(16))\"", maxAge: 60, request: request)
        }
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        try await answering {
            try checkParameters(request, allowed: Self.listParameters)
            var filter = FederationListFilter()
            filter.entityTypes = request.uri.queryParameters.getAll("entity_type")
            filter.trustMarked = try boolean(request, "trust_marked")
            filter.intermediate = try boolean(request, "intermediate")
            let types = request.uri.queryParameters.getAll("trust_mark_type")
            guard types.count <= 1 else { throw FederationError.invalidRequest("trust_mark_type is given more than once") }
            filter.trustMarkType = types.first
            let state = registry.artefacts.state
            guard state.rootAuthority != nil else { throw FederationError.notFound("the registry has no root authority yet") }
            return try entityIDs(state.federationSubordinates(filter: filter, configuration: registry.federation, at: Date()), seq: state.seq)
        }
    }

    @Sendable func trustMark(request: Request, context: Context) async throws -> Response {
        try await answering {
            try checkParameters(request, allowed: Self.trustMarkParameters)
            let type = try required(request, "trust_mark_type")
            let subject = try required(request, "sub")
            let mark = try registry.trustMark(type: type, subject: subject)
            return jwt(mark.compact, mediaType: FederationMediaType.trustMark, seq: mark.seq, maxAge: 0, request: request)
        }
    }

    @Sendable func trustMarkList(request: Request, context: Context) async throws -> Response {
        try await answering {
            try checkParameters(request, allowed: Self.trustMarkParameters)
            let type = try required(request, "trust_mark_type")
            let subjects = request.uri.queryParameters.getAll("sub")
            guard subjects.count <= 1 else { throw FederationError.invalidRequest("sub is given more than once") }
            let state = registry.artefacts.state
            let entities = state.trustMarkedEntities(type: type, subject: subjects.first, configuration: registry.federation, at: Date())
            return try entityIDs(entities, seq: state.seq)
        }
    }

    @Sendable func trustMarkStatus(request: Request, context: Context) async throws -> Response {
        try await answering {
            if let type = request.headers[.contentType],
                !type.lowercased().hasPrefix("application/x-www-form-urlencoded")
            {
                throw FederationError.invalidRequest("the request must be application/x-www-form-urlencoded")
            }
            let buffer = try await request.collectBody(limit: Self.maximumStatusRequestBytes)
            let form = try Self.formFields(Data(buffer.readableBytesView))
            if let other = form.first(where: { $0.name != "trust_mark" }) {
                throw FederationError.invalidRequest("the form field \(other.name.prefix(64)) is not supported: send trust_mark only")
            }
            let marks = form.filter { $0.name == "trust_mark" }.map(\.value)
            guard marks.count == 1, let mark = marks.first, !mark.isEmpty else {
                throw FederationError.invalidRequest(marks.count > 1 ? "trust_mark is given more than once" : "trust_mark is required")
            }
            let status = try registry.trustMarkStatus(of: mark)
            return jwt(status.compact, mediaType: FederationMediaType.trustMarkStatusResponse, seq: status.seq, maxAge: 0, request: request)
        }
    }

    /// Parses an `application/x-www-form-urlencoded` body (`+` is a space, then percent-decoding).
    static func formFields(_ body: Data) throws -> [(name: String, value: String)] {
        guard let text = String(data: body, encoding: .utf8) else { throw FederationError.invalidRequest("the form is not UTF-8") }
        return try text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) throws -> String {
                guard let value = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw FederationError.invalidRequest("the form is not percent-encoded correctly")
                }
                return value
            }
            return (try decode(parts[0]), parts.count > 1 ? try decode(parts[1]) : "")
        }
    }
}
