import Foundation
import StatusList

/// Which URLs the client may fetch: `https`, and `http` only for loopback hosts (development and tests).
struct URLPolicy: Sendable {
    let allowsLoopbackHTTP: Bool

    /// Whether `host` is the local machine: `localhost`, `127.0.0.1` or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return ["localhost", "127.0.0.1", "::1"].contains(bare.lowercased())
    }

    /// Checks a URL about to be fetched.
    /// - Throws: ``StatusClientError/Code/insecureURL`` for another scheme, plain http to a non-loopback host, user
    ///   info, or no host.
    func check(_ url: URL) throws(StatusClientError) {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw .retrieval(.insecureURL, "'\(url.absoluteString.prefix(200))' is not an absolute http(s) URL")
        }
        guard url.user == nil, url.password == nil else {
            throw .retrieval(.insecureURL, "URLs with user information are not fetched: \(url.host ?? "")")
        }
        switch scheme {
        case "https":
            return
        case "http" where allowsLoopbackHTTP && Self.isLoopback(host):
            return
        case "http":
            throw .retrieval(.insecureURL, "plain http is only allowed for loopback hosts, not \(url.absoluteString.prefix(200))")
        default:
            throw .retrieval(.insecureURL, "the scheme '\(scheme)' is not fetched (https only)")
        }
    }

    /// Parses and checks a URL given as text; the fragment is dropped (it is never sent).
    func parse(_ text: String) throws(StatusClientError) -> URL {
        guard var components = URLComponents(string: text), components.scheme != nil else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "'\(text.prefix(200))' is not a URL")
        }
        components.fragment = nil
        guard let url = components.url else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "'\(text.prefix(200))' is not a URL")
        }
        try check(url)
        return url
    }
}

/// The `Cache-Control` directives the client acts on.
struct CacheControl: Sendable, Equatable {
    /// `max-age` in seconds.
    var maxAge: Int?
    /// `no-store`: the response is not written to the disk cache.
    var noStore = false
    /// `no-cache`: treated as `max-age=0`.
    var noCache = false

    /// Parses a header value; unknown directives and malformed values are ignored (RFC 9111 §5.2).
    init(_ header: String?) {
        guard let header else { return }
        for directive in header.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first?.lowercased() else { continue }
            switch name {
            case "max-age":
                let value = parts.count == 2 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : ""
                if let seconds = Int(value), seconds >= 0 { maxAge = seconds }
            case "no-store": noStore = true
            case "no-cache": noCache = true
            default: continue
            }
        }
    }

    /// The freshness lifetime the headers give, if any.
    var lifetime: Int? { noCache ? 0 : maxAge }
}

/// A final (non-redirect) response and where it came from.
struct FetchedResponse: Sendable {
    /// 200...299 or 304.
    let status: Int
    /// The URL that answered, after redirects.
    let finalURL: URL
    let response: TransportResponse

    var body: Data { response.body }
    func header(_ name: String) -> String? { response.header(name) }
}

/// GETs with the client's hardening: every hop's URL is checked, redirects are followed by hand up to a limit and
/// without loops, one deadline covers the whole chain, bodies are capped, and only identity content coding is accepted.
struct HardenedFetcher: Sendable {
    let transport: any StatusHTTPTransport
    let policy: URLPolicy
    let maximumRedirects: Int
    let timeout: Duration

    /// Fetches `url`, following redirects.
    /// - Parameters:
    ///   - url: A URL already checked with ``URLPolicy``.
    ///   - headers: Request headers, sent on every hop.
    ///   - maximumBodyBytes: The body cap.
    ///   - accepting: Error statuses returned as final responses instead of thrown (the registry's 410 Gone).
    /// - Returns: A 2xx or 304 response, or one with a status in `accepting`.
    /// - Throws: ``StatusClientError`` retrieval errors.
    func get(
        _ url: URL,
        headers: [(name: String, value: String)],
        maximumBodyBytes: Int,
        accepting: Set<Int> = []
    ) async throws(StatusClientError) -> FetchedResponse {
        let deadline = ContinuousClock.now + timeout
        var current = url
        var visited: Set<String> = [url.absoluteString]
        var redirects = 0
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw .retrieval(.timeout, "\(url.absoluteString) did not answer within \(timeout)")
            }
            let response = try await transport.send(
                TransportRequest(url: current, headers: headers, timeout: remaining, maximumBodyBytes: maximumBodyBytes)
            )
            // A transport's own timer is best effort (on a busy machine the answer and the timer can fall due together):
            // an answer that completed after the deadline is still late.
            guard ContinuousClock.now <= deadline else {
                throw .retrieval(.timeout, "\(url.absoluteString) did not answer within \(timeout)")
            }
            switch response.status {
            case let status where accepting.contains(status):
                return FetchedResponse(status: status, finalURL: current, response: response)
            case 200..<300, 304:
                if let coding = response.header("Content-Encoding")?.trimmingCharacters(in: .whitespaces).lowercased(),
                    !coding.isEmpty, coding != "identity"
                {
                    throw .retrieval(
                        .unsupportedContentEncoding,
                        "\(current.absoluteString) answered with Content-Encoding '\(coding)', which was not asked for"
                    )
                }
                return FetchedResponse(status: response.status, finalURL: current, response: response)
            case 301, 302, 303, 307, 308:
                guard let location = response.header("Location"), let next = URL(string: location, relativeTo: current)?.absoluteURL else {
                    throw .retrieval(.tooManyRedirects, "\(current.absoluteString) redirected (\(response.status)) without a usable Location")
                }
                redirects += 1
                guard redirects <= maximumRedirects else {
                    throw .retrieval(.tooManyRedirects, "more than \(maximumRedirects) redirects fetching \(url.absoluteString)")
                }
                try policy.check(next)
                guard visited.insert(next.absoluteString).inserted else {
                    throw .retrieval(.tooManyRedirects, "redirect loop at \(next.absoluteString)")
                }
                current = next
            default:
                throw .retrieval(.httpStatus, "\(current.absoluteString) answered \(response.status)\(Self.problemDetail(response))")
            }
        }
    }

    /// `: detail` from an RFC 9457 problem body, if there is one.
    private static func problemDetail(_ response: TransportResponse) -> String {
        guard response.body.count <= 64 * 1024,
            let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let detail = object["detail"] as? String
        else { return "" }
        return ": " + String(detail.prefix(300))
    }
}
