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
