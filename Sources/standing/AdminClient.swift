import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Options every command that talks to a running service shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Service base URL. Env STANDING_SERVER; default http://127.0.0.1:8080.")
    var server: String?
    @Option(name: .long, help: "API token. Env STANDING_TOKEN.")
    var token: String?
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    var serverURL: String {
        var url = server ?? ProcessInfo.processInfo.environment["STANDING_SERVER"] ?? "http://127.0.0.1:8080"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["STANDING_TOKEN"] }

    /// The token, or the error that says where to find one.
    func requiredToken() throws -> String {
        guard let resolvedToken else {
            throw CLIError("no token: pass --token or set STANDING_TOKEN (the operator token is in DATA_DIR/operator-token)")
        }
        return resolvedToken
    }
}

/// A failure the CLI reports as one line and a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The CLI's HTTP client: fails fast when the server is not there instead of retrying until the deadline.
let cliHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout.connect = .seconds(10)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

extension ConnectionOptions {
    /// Sends a request to the service and returns the body of a 2xx answer.
    ///
    /// The one place the CLI turns what can go wrong on the way into one line in the user's words: a server URL that
    /// is not one, no server listening, a name that does not resolve, a timeout, and problem+json answers (status,
    /// title and the server's detail).
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - path: The path below the server URL.
    ///   - headers: Extra request headers.
    ///   - body: The request body.
    /// - Returns: The response body.
    func exchange(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: Data? = nil) async throws -> Data {
        let server = serverURL
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            throw CLIError("'\(server)' is not a server URL: give one like http://127.0.0.1:8080 with --server or STANDING_SERVER")
        }
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await cliHTTPClient.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw CLIError(Self.unreachable(server, error))
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let problem = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let title = problem?["title"] as? String ?? response.status.reasonPhrase
            if let detail = problem?["detail"] as? String {
                throw CLIError("\(response.status.code) \(title): \(detail)")
            }
            throw CLIError("\(response.status.code) \(title)")
        }
        return data
    }

    /// What a failure to reach `server` means for the user, and what to try.
    static func unreachable(_ server: String, _ error: any Error) -> String {
        let errnoCode: Int32? =
            (error as? IOError)?.errnoCode
            ?? (error as? NIOConnectionError)?.connectionErrors.lazy.compactMap { ($0.error as? IOError)?.errnoCode }.first
        if errnoCode == ECONNREFUSED {
            return "cannot reach a Standing server at \(server): nothing is listening there; start one with `standing serve`, "
                + "or point --server / STANDING_SERVER at yours"
        }
        if let connection = error as? NIOConnectionError, connection.dnsAError != nil || connection.dnsAAAAError != nil {
            return "cannot reach \(server): its host name does not resolve; check --server / STANDING_SERVER"
        }
        if let client = error as? HTTPClientError,
            [.connectTimeout, .deadlineExceeded, .readTimeout].contains(client)
        {
            return "cannot reach \(server): no answer in time; check that the server runs and the address is right"
        }
        if let client = error as? HTTPClientError, client == .remoteConnectionClosed {
            return "cannot reach \(server): the connection was closed before an answer; is it a Standing server (http, not https)?"
        }
        return "cannot reach \(server): \(error)"
    }
}

/// A small JSON-over-HTTP client for the admin API.
struct AdminClient {
    let options: ConnectionOptions

    /// Sends a request and returns the decoded JSON body; a problem+json answer becomes a ``CLIError`` with its detail.
    func send(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> Any? {
        let token = try options.requiredToken()
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
        var bytes: Data?
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = try JSONSerialization.data(withJSONObject: body)
        }
        let data = try await options.exchange(method, path, headers: headers, body: bytes)
        return data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data)
    }

    /// Prints `value` as pretty JSON.
    static func printJSON(_ value: Any?) throws {
        guard let value else { return }
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A list given as its id or its URL (`.../status/ID`).
func listId(from argument: String) -> String {
    if let range = argument.range(of: "/status/") {
        return String(argument[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "." })
    }
    return argument
}
