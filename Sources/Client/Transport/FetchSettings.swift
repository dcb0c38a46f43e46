import Foundation

/// How a client fetches over HTTP: the transport, which URLs it may fetch and the bounds of one fetch. Both
/// ``StandingClient`` (lists, JWKS, DID documents) and ``RegistryClient`` (snapshots, change feeds, TRQP) fetch with
/// these rules.
public struct FetchSettings: Sendable {
    /// Sends the requests. Tests inject their own; see ``StatusHTTPTransport``.
    public var transport: any StatusHTTPTransport = AsyncHTTPClientTransport.shared
    /// The largest response body accepted.
    public var maximumResponseBytes: Int
    /// Redirects followed per fetch (a TRQP POST is never redirected).
    public var maximumRedirects = 3
    /// The longest one fetch may take: connecting, every redirect, the headers and every byte of every body (a server
    /// dripping its body fails with a ``StatusClientError/Code/timeout`` retrieval error when it is up).
    public var timeout: Duration = .seconds(15)
    /// Whether plain http is allowed for `localhost`, `127.0.0.1` and `::1` (also for `did:web` on those hosts).
    public var allowsLoopbackHTTP = true

    /// The defaults, with the response cap of the client they are for.
    /// - Parameter maximumResponseBytes: The largest response body accepted.
    public init(maximumResponseBytes: Int = 8 << 20) {
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The URLs these settings allow.
    var urlPolicy: URLPolicy { URLPolicy(allowsLoopbackHTTP: allowsLoopbackHTTP) }
}

extension HardenedFetcher {
    /// A fetcher with these settings' transport, URL policy, redirect limit and timeout.
    init(_ settings: FetchSettings) {
        self.init(
            transport: settings.transport,
            policy: settings.urlPolicy,
            maximumRedirects: max(0, settings.maximumRedirects),
            timeout: settings.timeout
        )
    }
}
