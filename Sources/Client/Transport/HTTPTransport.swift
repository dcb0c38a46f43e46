import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StatusList

/// One request as the client sends it (a GET, or the POST of a TRQP query): the transport must not follow redirects
/// (the client does, to check every hop).
public struct TransportRequest: Sendable {
    /// `GET` (the default) or `POST`.
    public var method: String
    /// The request body (POST only).
    public var body: Data?
    /// The absolute URL.
    public var url: URL
    /// Request headers (`Accept`, `If-None-Match`...).
    public var headers: [(name: String, value: String)]
    /// The longest the whole exchange may take.
    public var timeout: Duration
    /// The largest body accepted; a longer one is a ``StatusClientError/Code/responseTooLarge``.
    public var maximumBodyBytes: Int

    /// Creates a request.
    public init(
        url: URL,
        headers: [(name: String, value: String)],
        timeout: Duration,
        maximumBodyBytes: Int,
        method: String = "GET",
        body: Data? = nil
    ) {
        self.method = method
        self.body = body
        self.url = url
        self.headers = headers
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
    }
}

/// A response as the client reads it.
public struct TransportResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response headers in order.
    public var headers: [(name: String, value: String)]
    /// The body (empty for 3xx and 304).
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Sends the client's GET requests. The default is ``AsyncHTTPClientTransport/shared``; tests inject their own (to count
/// requests, for example).
///
/// Implementations must not follow redirects, must enforce ``TransportRequest/maximumBodyBytes`` while reading and
/// ``TransportRequest/timeout``, and must report failures as ``StatusClientError`` with code `unreachable`, `timeout`
/// or `responseTooLarge` (kind `STATUS_RETRIEVAL_ERROR`).
public protocol StatusHTTPTransport: Sendable {
    /// Performs one request.
    /// - Throws: ``StatusClientError`` (retrieval errors).
    func send(_ request: TransportRequest) async throws(StatusClientError) -> TransportResponse
}

/// The transport over AsyncHTTPClient.
public struct AsyncHTTPClientTransport: StatusHTTPTransport {
    /// A process-wide client configured for status fetching: redirects off (the caller follows them), no retries of
    /// failed connection attempts (an unreachable host fails fast), a 10 s connect timeout, no automatic
    /// decompression (the client sends no `Accept-Encoding`). Like `HTTPClient.shared`, it is never shut down.
    public static let shared = AsyncHTTPClientTransport(client: sharedClient)

    private static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    let client: HTTPClient

    /// Wraps a caller-owned client. Configure it with `redirectConfiguration: .disallow`; otherwise it follows
    /// redirects itself, out of the status client's control (the `sub`/`id` checks against the referenced URL still
    /// apply).
    public init(client: HTTPClient) {
        self.client = client
    }

    public func send(_ request: TransportRequest) async throws(StatusClientError) -> TransportResponse {
        var httpRequest = HTTPClientRequest(url: request.url.absoluteString)
        httpRequest.method = HTTPMethod(rawValue: request.method)
        if let body = request.body { httpRequest.body = .bytes(ByteBuffer(bytes: body)) }
        for (name, value) in request.headers { httpRequest.headers.add(name: name, value: value) }
        let host = request.url.host ?? request.url.absoluteString
        do {
            let response = try await client.execute(httpRequest, timeout: .nanoseconds(request.timeout.nanosecondsClamped))
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > request.maximumBodyBytes {
                throw StatusClientError.retrieval(
                    .responseTooLarge,
                    "\(request.url.absoluteString) announces \(length) bytes, more than the \(request.maximumBodyBytes)-byte cap"
                )
            }
            let body = try await response.body.collect(upTo: request.maximumBodyBytes)
            return TransportResponse(
                status: Int(response.status.code),
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Data(body.readableBytesView)
            )
        } catch let error as StatusClientError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .retrieval(.responseTooLarge, "\(request.url.absoluteString) sent more than the \(request.maximumBodyBytes)-byte cap")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw .retrieval(.timeout, "\(request.url.absoluteString) did not answer within \(request.timeout)")
        } catch {
            throw .retrieval(.unreachable, "cannot reach \(host): \(error)")
        }
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return Int64.max }
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
