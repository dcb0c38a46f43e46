import Foundation

// The flat settings of releases before the configuration was grouped, kept so existing callers still compile (with a
// deprecation warning naming the new place). The flat fetch settings are in Transport/FetchSettings+Deprecated.swift.
extension StandingClient.Configuration {
    /// Moved to `verification.clockSkew`.
    @available(*, deprecated, message: "use verification.clockSkew")
    public var clockSkew: TimeInterval {
        get { verification.clockSkew }
        set { verification.clockSkew = newValue }
    }

    /// Moved to `verification.minimumW3CEntries`.
    @available(*, deprecated, message: "use verification.minimumW3CEntries")
    public var minimumW3CEntries: Int {
        get { verification.minimumW3CEntries }
        set { verification.minimumW3CEntries = newValue }
    }

    /// Moved to `verification.requiresW3CListIDMatch`.
    @available(*, deprecated, message: "use verification.requiresW3CListIDMatch")
    public var requiresW3CListIDMatch: Bool {
        get { verification.requiresW3CListIDMatch }
        set { verification.requiresW3CListIDMatch = newValue }
    }

    /// Moved to `verification.maximumDecodedBytes`.
    @available(*, deprecated, message: "use verification.maximumDecodedBytes")
    public var maximumDecodedBytes: Int {
        get { verification.maximumDecodedBytes }
        set { verification.maximumDecodedBytes = newValue }
    }

    /// Moved to `verification.maximumExpansionRatio`.
    @available(*, deprecated, message: "use verification.maximumExpansionRatio")
    public var maximumExpansionRatio: Int {
        get { verification.maximumExpansionRatio }
        set { verification.maximumExpansionRatio = newValue }
    }

    /// Moved to `verification.expansionAllowanceBytes`.
    @available(*, deprecated, message: "use verification.expansionAllowanceBytes")
    public var expansionAllowanceBytes: Int {
        get { verification.expansionAllowanceBytes }
        set { verification.expansionAllowanceBytes = newValue }
    }

    /// Moved to `caching.directory`.
    @available(*, deprecated, message: "use caching.directory")
    public var cacheDirectory: URL? {
        get { caching.directory }
        set { caching.directory = newValue }
    }

    /// Moved to `caching.maximumTTLSeconds`.
    @available(*, deprecated, message: "use caching.maximumTTLSeconds")
    public var maximumTTLSeconds: Int {
        get { caching.maximumTTLSeconds }
        set { caching.maximumTTLSeconds = newValue }
    }

    /// Moved to `caching.defaultLifetimeSeconds`.
    @available(*, deprecated, message: "use caching.defaultLifetimeSeconds")
    public var defaultLifetimeSeconds: Int {
        get { caching.defaultLifetimeSeconds }
        set { caching.defaultLifetimeSeconds = newValue }
    }

    /// Moved to `caching.trustDocumentLifetimeSeconds`.
    @available(*, deprecated, message: "use caching.trustDocumentLifetimeSeconds")
    public var trustDocumentLifetimeSeconds: Int {
        get { caching.trustDocumentLifetimeSeconds }
        set { caching.trustDocumentLifetimeSeconds = newValue }
    }

    /// Moved to `caching.maximumTrustDocumentLifetimeSeconds`.
    @available(*, deprecated, message: "use caching.maximumTrustDocumentLifetimeSeconds")
    public var maximumTrustDocumentLifetimeSeconds: Int {
        get { caching.maximumTrustDocumentLifetimeSeconds }
        set { caching.maximumTrustDocumentLifetimeSeconds = newValue }
    }

    /// Moved to `caching.maximumMemoryEntries`.
    @available(*, deprecated, message: "use caching.maximumMemoryEntries")
    public var maximumMemoryEntries: Int {
        get { caching.maximumMemoryEntries }
        set { caching.maximumMemoryEntries = newValue }
    }

    /// Moved to `caching.maximumMemoryBytes`.
    @available(*, deprecated, message: "use caching.maximumMemoryBytes")
    public var maximumMemoryBytes: Int {
        get { caching.maximumMemoryBytes }
        set { caching.maximumMemoryBytes = newValue }
    }

    /// Moved to `caching.maximumDiskEntries`.
    @available(*, deprecated, message: "use caching.maximumDiskEntries")
    public var maximumDiskEntries: Int {
        get { caching.maximumDiskEntries }
        set { caching.maximumDiskEntries = newValue }
    }

    /// Moved to `caching.maximumDiskBytes`.
    @available(*, deprecated, message: "use caching.maximumDiskBytes")
    public var maximumDiskBytes: Int {
        get { caching.maximumDiskBytes }
        set { caching.maximumDiskBytes = newValue }
    }
}
