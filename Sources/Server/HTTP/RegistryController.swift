import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Signing
import StandingAPI
import TrustRegistry

/// The registry's read views (EBSI TIR v5, TRQP v2, ETSI LoTE, OpenID Federation (``FederationController``), wallet
/// snapshot and change feed, the public event log) and its one write endpoint for signed statements. Every response names the registry state (the head) in
/// `X-Registry-Seq`; the signed snapshot and LoTE, which are re-signed in the background and may lag the head, also
/// name the state they reflect in `X-Registry-Signed-Seq`.
public struct RegistryController: Sendable {
    public typealias Context = StandingRequestContext
    let registry: RegistryService
    let baseURL: String

    static let seqHeader = HTTPField.Name("X-Registry-Seq")!
    static let signedSeqHeader = HTTPField.Name("X-Registry-Signed-Seq")!

    /// Creates the controller.
    public init(registry: RegistryService, baseURL: String) {
        self.registry = registry
        self.baseURL = baseURL
    }

    /// Adds the public routes to `router` and the statement endpoint to `admin`.
    public func addRoutes(to router: Router<Context>, admin: RouterGroup<Context>) {
        let ebsi = router.group("trusted-issuers-registry/v5")
        ebsi.get("issuers", use: issuers)
        ebsi.get("issuers/:did", use: issuer)
        ebsi.get("issuers/:did/attributes", use: attributes)
        ebsi.get("issuers/:did/attributes/:id", use: attribute)
        ebsi.get("issuers/:did/attributes/:id/revisions", use: revisions)
        ebsi.get("issuers/:did/attributes/:id/revisions/:revision", use: attributeRevision)
        ebsi.get("issuers/:did/revisions", use: issuerRevisions)
        ebsi.get("issuers/:did/revisions/:revision", use: issuerRevision)
        router.post("trqp/authorization", use: authorization)
        router.post("trqp/recognition", use: recognition)
        router.get("trqp/metadata", use: metadata)
        router.get("lote", use: lote)
        router.get("registry/v1/snapshot", use: snapshot)
        router.get("registry/v1/changes", use: changes)
        router.get("registry/v1/log", use: log)
        admin.post("registry/statements", use: submit)
        FederationController(registry: registry).addRoutes(to: router)
    }

    // MARK: Responses

    func json(_ value: some Encodable, seq: Int, status: HTTPResponse.Status = .ok, cache: String = "no-cache") throws -> Response {
        var response = try jsonResponse(value, status: status, headers: [.cacheControl: cache, .accessControlAllowOrigin: "*"])
        response.headers[Self.seqHeader] = String(seq)
        return response
    }

    /// A signed artefact. `seq` is the registry state (`X-Registry-Seq`); `signedSeq`, when given, the state the
    /// artefact reflects (`X-Registry-Signed-Seq`), which also names it in the default ETag.
    func jwt(_ compact: String, seq: Int, signedSeq: Int? = nil, etag: String? = nil, maxAge: Int, request: Request) -> Response {
        jwt(
            body: .init(byteBuffer: ByteBuffer(string: compact)), seq: seq, signedSeq: signedSeq,
            etag: etag ?? "\"\(signedSeq ?? seq)-\(compact.suffix(16))\"", maxAge: maxAge, request: request)
    }

    /// ``jwt(_:seq:signedSeq:etag:maxAge:request:)`` with a body made only when it is sent (not for a 304).
    func jwt(
        body: @autoclosure () -> ResponseBody, seq: Int, signedSeq: Int?, etag: String, maxAge: Int, request: Request
    ) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/jwt",
            .eTag: etag,
            .cacheControl: "public, max-age=\(max(0, maxAge))",
            .accessControlAllowOrigin: "*",
        ]
        headers[Self.seqHeader] = String(seq)
        if let signedSeq { headers[Self.signedSeqHeader] = String(signedSeq) }
        if let match = request.headers[.ifNoneMatch], EntityTag.matches(match, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: body())
    }

    /// A query parameter by name, also when the client percent-encoded the name (`page%5Bsize%5D=1`): Hummingbird
    /// decodes values but not names, and many clients encode the brackets of EBSI's `page[...]` parameters.
    func queryValue(_ request: Request, _ name: String) -> String? {
        let query = request.uri.queryParameters
        if let value = query.get(name) { return value }
        return query.first { String($0.key).removingPercentEncoding == name }.map { String($0.value) }
    }

    func pageRequest(_ request: Request) throws -> EBSIPageRequest {
        let size = try queryValue(request, "page[size]").map { raw -> Int in
            guard let value = Int(raw) else { throw ServiceError(.badRequest, "page[size] must be an integer, got '\(raw)'") }
            return value
        }
        let after = queryValue(request, "page[after]").map { $0.removingPercentEncoding ?? $0 }
        return try EBSIPageRequest(after: after, size: size)
    }

    func did(_ context: Context) throws -> String {
        let raw = try context.parameters.require("did")
        return raw.removingPercentEncoding ?? raw
    }

    // MARK: EBSI TIR v5

    @Sendable func issuers(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let page = state.ebsiIssuers(page: try pageRequest(request), configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(page.body, seq: page.seq)
    }

    @Sendable func issuer(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let did = try did(context)
        let version = request.uri.queryParameters.get("version")
        if let version, version != "deprecated" {
            throw ServiceError(.badRequest, "version must be 'deprecated' or absent, got '\(version.prefix(64))'")
        }
        if version == "deprecated" {
            let issuer = try state.ebsiIssuerWithAttributes(did: did, at: Date())
            return try json(issuer.body, seq: issuer.seq)
        }
        let issuer = try state.ebsiIssuer(did: did, configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(issuer.body, seq: issuer.seq)
    }

    @Sendable func attributes(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let page = try state.ebsiAttributes(did: try did(context), page: try pageRequest(request), configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(page.body, seq: page.seq)
    }

    @Sendable func attribute(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let attribute = try state.ebsiAttribute(id: try context.parameters.require("id"), did: try did(context), at: Date())
        return try json(attribute.body, seq: attribute.seq)
    }

    @Sendable func revisions(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let page = try state.ebsiRevisions(
            id: try context.parameters.require("id"), did: try did(context), page: try pageRequest(request),
            configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(page.body, seq: page.seq)
    }

    @Sendable func attributeRevision(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let revision = try state.ebsiAttributeRevision(
            id: try context.parameters.require("id"), did: try did(context), revisionId: try context.parameters.require("revision"),
            configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(revision.body, seq: revision.seq)
    }

    @Sendable func issuerRevisions(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let page = try state.ebsiIssuerRevisions(did: try did(context), page: try pageRequest(request), configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(page.body, seq: page.seq)
    }

    @Sendable func issuerRevision(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let revision = try state.ebsiIssuerRevision(
            did: try did(context), revisionId: try context.parameters.require("revision"), configuration: EBSIConfiguration(baseURL: baseURL))
        return try json(revision.body, seq: revision.seq)
    }

    // MARK: TRQP v2

    func query(_ request: Request, context: Context) async throws -> TRQPQuery {
        let buffer = try await request.collectBody(limit: TRQPQuery.maximumBodyLength)
        return try TRQPQuery.parse(Data(buffer.readableBytesView))
    }

    /// The answer of `endpoint`, as the TRQP fast path (``TRQPFastPathHandler``) also sends it. The router answers the
    /// queries the fast path hands on: those with unusual framing, and those that end in a problem.
    func trqp(_ endpoint: TRQPEndpoint, request: Request, context: Context) async throws -> Response {
        let answer = try endpoint.answer(try await query(request, context: context), state: registry.artefacts.state)
        return Response(status: .ok, headers: TRQPEndpoint.fields(seq: answer.seq), body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    @Sendable func authorization(request: Request, context: Context) async throws -> Response {
        try await trqp(.authorization, request: request, context: context)
    }

    @Sendable func recognition(request: Request, context: Context) async throws -> Response {
        try await trqp(.recognition, request: request, context: context)
    }

    @Sendable func metadata(request: Request, context: Context) async throws -> Response {
        let state = registry.artefacts.state
        let metadata = try state.trqpMetadata(baseURL: baseURL, governanceFrameworkURL: nil, description: nil)
        return try json(metadata.body, seq: metadata.seq, cache: "public, max-age=300")
    }

    // MARK: LoTE, wallet snapshot and change feed

    @Sendable func lote(request: Request, context: Context) async throws -> Response {
        let artefacts = registry.artefacts
        guard let lote = artefacts.lote else {
            guard registry.hasLoTECertificate else {
                throw ServiceError(
                    .notFound, "the service's ES256 key has no LoTE signing certificate yet, so there is no list of trusted entities")
            }
            throw ServiceError(.notFound, "the registry has no root authority yet, so there is no list of trusted entities")
        }
        let maxAge = Int(artefacts.loteNextUpdate.map { $0.timeIntervalSinceNow } ?? 0)
        return jwt(
            body: Self.streaming(lote), seq: artefacts.state.seq, signedSeq: artefacts.signedSeq,
            etag: "\"lote-\(artefacts.loteSequenceNumber)\"", maxAge: min(maxAge, 3600), request: request)
    }

    /// The body of a published file, read in chunks (the file holds the version it was opened at, however often the
    /// artefact is signed again meanwhile).
    static func streaming(_ file: PublishedFile) -> ResponseBody {
        ResponseBody(contentLength: file.byteCount) { writer in
            let chunk = 1 << 20
            var offset = 0
            while offset < file.byteCount {
                let count = min(chunk, file.byteCount - offset)
                let buffer = try await file.read(offset: offset, count: count)
                try await writer.write(buffer)
                offset += count
            }
            try await writer.finish(nil)
        }
    }

    /// The pre-built snapshot: gzip when `Accept-Encoding` allows it, identity otherwise; each with its own ETag,
    /// and `Vary: Accept-Encoding` on both so a shared cache keeps them apart.
    @Sendable func snapshot(request: Request, context: Context) async throws -> Response {
        let artefacts = registry.artefacts
        guard let snapshot = artefacts.snapshot else {
            throw ServiceError(.notFound, "the registry has no root authority yet, so there is no snapshot")
        }
        let acceptEncoding = request.headers[values: .acceptEncoding]
        let gzip = AcceptEncoding.prefersGzip(acceptEncoding.isEmpty ? nil : acceptEncoding.joined(separator: ","))
        let etag = gzip ? snapshot.gzipETag : snapshot.identityETag
        var headers: HTTPFields = [
            .contentType: "application/jwt",
            .eTag: etag,
            .cacheControl: "public, max-age=60",
            .accessControlAllowOrigin: "*",
            .vary: "Accept-Encoding",
        ]
        if gzip { headers[.contentEncoding] = "gzip" }
        headers[Self.seqHeader] = String(artefacts.state.seq)
        headers[Self.signedSeqHeader] = String(artefacts.signedSeq)
        if let match = request.headers[.ifNoneMatch], EntityTag.matches(match, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzip ? snapshot.gzip : snapshot.identity))
    }

    @Sendable func changes(request: Request, context: Context) async throws -> Response {
        guard let raw = request.uri.queryParameters.get("since"), let since = Int(raw), since >= 0 else {
            throw ServiceError(.badRequest, "since must be a non-negative event sequence number")
        }
        let feed = try registry.changeFeed(since: since)
        return jwt(feed.compact, seq: feed.seq, maxAge: 60, request: request)
    }

    /// The log as recorded: each event's JSON with its hash chain, so anyone can re-verify it.
    struct LogPage: Encodable {
        let head: Int
        let events: [JSONValue]
    }

    @Sendable func log(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try query.get("after").map { raw -> Int in
            guard let value = Int(raw), value >= 0 else { throw ServiceError(.badRequest, "after must be a non-negative integer") }
            return value
        } ?? 0
        let limit = try query.get("limit").map { raw -> Int in
            guard let value = Int(raw), (1...10_000).contains(value) else { throw ServiceError(.badRequest, "limit must be 1-10000") }
            return value
        } ?? 1000
        let events = try await registry.recordedEvents(after: after, limit: limit)
        return try json(LogPage(head: registry.artefacts.state.seq, events: events), seq: registry.artefacts.state.seq)
    }

    // MARK: Writes

    @Sendable func submit(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .accreditationBody)
        let body = try await request.decodeStrict(StatementSubmission.self, context: context)
        let event = try await registry.submit(body.statement, caller: caller)
        return try json(RecordedStatement(seq: event.seq, hash: event.hash, kind: event.kind.rawValue, target: event.target), seq: event.seq, status: .created)
    }
}

extension StatementSubmission: StrictRequestBody {}
