import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StandingAPI

/// A typed client of a Standing server's admin API (and of the public reads the registry tools need): one method per
/// endpoint, the ``StandingAPI`` wire types in and out, and one error mapping (``StandingAdminError``).
///
/// It fails fast when the server is not there rather than retrying until a deadline: it serves a person at a
/// terminal (the `standing` CLI) and scripts.
public struct StandingAdminClient: Sendable {
    /// The server's base URL, without a trailing slash.
    public let serverURL: String
    /// The API token (`stn_…`); admin calls send it as a bearer token, public reads do not need it.
    public let token: String?
    let httpClient: HTTPClient

    /// Creates a client.
    /// - Parameters:
    ///   - serverURL: The server's base URL (`http://127.0.0.1:8080`); trailing slashes are dropped.
    ///   - token: The API token, nil for public reads only.
    ///   - httpClient: The HTTP client; by default a shared one that does not retry connection establishment.
    public init(serverURL: String, token: String?, httpClient: HTTPClient = StandingAdminClient.sharedHTTPClient) {
        var url = serverURL
        while url.hasSuffix("/") { url.removeLast() }
        self.serverURL = url
        self.token = token
        self.httpClient = httpClient
    }

    /// The default HTTP client: fails fast when the server is not there instead of retrying until the deadline.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    // MARK: Lists and entries

    /// `POST /admin/lists`.
    public func createList(_ request: CreateListRequest) async throws -> ListInfo {
        try await call(.POST, "/admin/lists", body: request)
    }

    /// `GET /admin/lists/{id}`.
    public func list(_ id: String) async throws -> ListInfo {
        try await call(.GET, "/admin/lists/\(Self.segment(id))")
    }

    /// `GET /admin/lists`: the lists the token manages.
    public func lists() async throws -> [ListInfo] {
        let page: ListsPage = try await call(.GET, "/admin/lists")
        return page.lists
    }

    /// `POST /admin/lists/{id}/entries`.
    public func allocate(inList id: String, count: Int = 1) async throws -> AllocatedEntries {
        try await call(.POST, "/admin/lists/\(Self.segment(id))/entries", body: AllocateRequest(count: count))
    }

    /// `POST /admin/entries`: from the caller's current list for `purpose`.
    public func allocate(purpose: ListPurpose, count: Int = 1) async throws -> AllocatedEntries {
        try await call(.POST, "/admin/entries", body: AllocateByPurposeRequest(purpose: purpose, count: count))
    }

    /// `POST /admin/lists/{id}/status`: one change (a value or an intent the server resolves) or a batch.
    public func setStatus(list id: String, _ request: SetStatusRequest) async throws -> StatusChanged {
        try await call(.POST, "/admin/lists/\(Self.segment(id))/status", body: request)
    }

    /// `GET /admin/audit`: audit records, of one list or (operator) of all.
    public func audit(list id: String? = nil, after: Int? = nil, limit: Int? = nil) async throws -> [AuditRecord] {
        var query: [String] = []
        if let id { query.append("list=\(Self.segment(id))") }
        if let after { query.append("after=\(after)") }
        if let limit { query.append("limit=\(limit)") }
        let page: AuditPage = try await call(.GET, "/admin/audit" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        return page.records
    }

    // MARK: Tokens

    /// `POST /admin/tokens` (operator): the answer holds the secret, shown once.
    public func createToken(_ request: CreateTokenRequest) async throws -> CreatedToken {
        try await call(.POST, "/admin/tokens", body: request)
    }

    /// `GET /admin/tokens` (operator).
    public func tokens() async throws -> [TokenInfo] {
        let page: TokensPage = try await call(.GET, "/admin/tokens")
        return page.tokens
    }

    /// `DELETE /admin/tokens/{id}` (operator).
    public func revokeToken(_ id: String) async throws {
        _ = try await send(.DELETE, "/admin/tokens/\(Self.segment(id))", body: nil, authorized: true)
    }

    // MARK: Registry

    /// `POST /admin/registry/statements`: a statement its author signed.
    public func submitStatement(_ compactJWS: String) async throws -> RecordedStatement {
        try await call(.POST, "/admin/registry/statements", body: StatementSubmission(statement: compactJWS))
    }

    /// A public read (no token): the body of a 2xx answer to `GET path`.
    public func read(_ path: String, accept: String = "application/json") async throws -> Data {
        try await send(.GET, path, headers: [("Accept", accept)], body: nil, authorized: false)
    }

    // MARK: The one HTTP path

    /// Sends an authorised request with a JSON body and decodes the answer as `Answer`.
    func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable) async throws -> Answer {
        try await call(method, path, bytes: try JSONEncoder().encode(body))
    }

    /// Sends an authorised request (with `bytes` as its JSON body) and decodes the answer as `Answer`.
    func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, bytes: Data? = nil) async throws -> Answer {
        let data = try await send(method, path, headers: [("Accept", "application/json")], body: bytes, authorized: true)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Answer.self, from: data)
        } catch {
            throw StandingAdminError(.malformedAnswer, "\(method) \(path): the server's answer is not a \(Answer.self): \(error)")
        }
    }

    /// Sends a request and returns the body of a 2xx answer; everything else becomes a ``StandingAdminError``.
    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: Data?, authorized: Bool) async throws
        -> Data
    {
        guard let url = URL(string: serverURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            throw StandingAdminError(
                .invalidServerURL, "'\(serverURL)' is not a server URL: give one like http://127.0.0.1:8080 with --server or STANDING_SERVER")
        }
        var request = HTTPClientRequest(url: serverURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if authorized, let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw StandingAdminError.unreachable(serverURL, error)
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            throw StandingAdminError.refused(status: Int(response.status.code), reasonPhrase: response.status.reasonPhrase, body: data)
        }
        return data
    }

    /// Percent-encodes a path segment or query value (a DID, a list or token id): everything but unreserved
    /// characters and ':', so a mistyped id cannot change the path.
    public static func segment(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }
}
