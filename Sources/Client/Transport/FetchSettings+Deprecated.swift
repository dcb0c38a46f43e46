import Foundation

/// A client configuration that fetches with ``FetchSettings``: ``StandingClient/Configuration`` and
/// ``RegistryClient/Configuration``. It gives both, once, the flat fetch settings of releases before they were grouped
/// into ``fetching``, so existing callers still compile (with a deprecation warning naming the new place).
public protocol FetchingConfiguration {
    /// How the client fetches.
    var fetching: FetchSettings { get set }
}

extension StandingClient.Configuration: FetchingConfiguration {}
extension RegistryClient.Configuration: FetchingConfiguration {}

extension FetchingConfiguration {
    /// Moved to `fetching.transport`.
    @available(*, deprecated, message: "use fetching.transport")
    public var transport: any StatusHTTPTransport {
        get { fetching.transport }
        set { fetching.transport = newValue }
    }

    /// Moved to `fetching.maximumResponseBytes`.
    @available(*, deprecated, message: "use fetching.maximumResponseBytes")
    public var maximumResponseBytes: Int {
        get { fetching.maximumResponseBytes }
        set { fetching.maximumResponseBytes = newValue }
    }

    /// Moved to `fetching.maximumRedirects`.
    @available(*, deprecated, message: "use fetching.maximumRedirects")
    public var maximumRedirects: Int {
        get { fetching.maximumRedirects }
        set { fetching.maximumRedirects = newValue }
    }

    /// Moved to `fetching.timeout`.
    @available(*, deprecated, message: "use fetching.timeout")
    public var timeout: Duration {
        get { fetching.timeout }
        set { fetching.timeout = newValue }
    }

    /// Moved to `fetching.allowsLoopbackHTTP`.
    @available(*, deprecated, message: "use fetching.allowsLoopbackHTTP")
    public var allowsLoopbackHTTP: Bool {
        get { fetching.allowsLoopbackHTTP }
        set { fetching.allowsLoopbackHTTP = newValue }
    }
}
