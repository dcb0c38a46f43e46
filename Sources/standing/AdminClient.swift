import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

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

/// A small JSON-over-HTTP client for the admin API.
struct AdminClient {
    let options: ConnectionOptions

    /// Sends a request and returns the decoded JSON body; a problem+json answer becomes a ``CLIError`` with its detail.
    func send(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> Any? {
        guard let token = options.resolvedToken else {
            throw CLIError("no token: pass --token or set STANDING_TOKEN (the operator token is in DATA_DIR/operator-token)")
        }
        var request = HTTPClientRequest(url: options.serverURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response: HTTPClientResponse
        do {
            response = try await cliHTTPClient.execute(request, timeout: .seconds(30))
        } catch {
            throw CLIError("cannot reach \(options.serverURL): \(error)")
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let data = Data(bytes.readableBytesView)
        let object = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data)
        guard (200..<300).contains(response.status.code) else {
            if let problem = object as? [String: Any], let detail = problem["detail"] as? String {
                throw CLIError("\(response.status.code) \(problem["title"] as? String ?? response.status.reasonPhrase): \(detail)")
            }
            throw CLIError("\(response.status.code) \(response.status.reasonPhrase)")
        }
        return object
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
