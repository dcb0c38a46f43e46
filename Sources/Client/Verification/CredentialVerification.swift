import Foundation
import Signing
import StatusList

/// A one-off verification of a credential, as `standing verify` runs it: the settings a person gives (trusted keys,
/// registry, time, cache policy, timeout), wired into a ``StandingClient``, a ``RegistryClient`` when a registry is
/// named, and a ``CredentialStatusVerifier``.
public struct CredentialVerification: Sendable {
    /// Trusted keys as typed (``LocalFiles/trustSource(_:)``: files, JWKS URLs, DIDs); empty: the issuer's DID.
    public var trust: [String] = []
    /// A trust registry's base URL, to check the issuer's accreditation with too.
    public var registry: String?
    /// How the registry is consulted.
    public var registryMode: AccreditationResult.Mode = .snapshot
    /// What the accreditation is checked for instead of what the credential says.
    public var accreditationOverrides = AccreditationOverrides()
    /// How cached lists (and the registry snapshot) are used. A one-off check revalidates by default (a conditional
    /// request, 304 when unchanged), so a revocation shows at once rather than after the list's ttl.
    public var policy: CachePolicy = .revalidate
    /// The instant to check the status at (historical resolution); nil: now.
    public var at: Date?
    /// The longest one fetch may take, body included.
    public var timeout: Duration = .seconds(15)
    /// The cache directory; nil: ``StandingClient/defaultCacheDirectory()``.
    public var cacheDirectory: URL?
    /// Check the status (and accreditation) only, not the credential's proof.
    public var statusOnly = false
    /// PEM files of X.509 trust anchors (one or more certificates each) for the `x5c` chains lists carry
    /// (``StandingClient/Configuration/Verification/trustAnchors``).
    public var trustAnchorFiles: [String] = []
    /// The status-signing extended key usage OID a chain's leaf must carry
    /// (``StandingClient/Configuration/Verification/statusSigningUsage``).
    public var statusSigningUsage: String?
    /// Require every list to be bound to the credential's issuer even with ``trust`` given
    /// (``IssuerBindingRequirement/always``).
    public var requiresIssuerBinding = false
    /// What sends every request (lists, DID documents, JWKS, registry); nil: ``AsyncHTTPClientTransport/shared``.
    /// A server checking credentials for people (its web pages) passes one that only reaches the server itself.
    public var transport: (any StatusHTTPTransport)?

    /// Creates a verification with the defaults above.
    public init() {}

    /// Verifies `credential`'s proof, every status entry and, with ``registry``, its issuer's accreditation. Failed
    /// checks are in the report.
    /// - Throws: When a `--trust` value or the registry URL is unusable, or the registry client cannot be set up.
    public func verify(_ parsed: ParsedCredential) async throws -> CredentialReport {
        let cache = cacheDirectory ?? StandingClient.defaultCacheDirectory()
        var clientConfiguration = StandingClient.Configuration(cacheDirectory: cache)
        clientConfiguration.fetching.timeout = timeout
        if let transport { clientConfiguration.fetching.transport = transport }
        clientConfiguration.verification.trustAnchors = try trustAnchorFiles.flatMap(Self.trustAnchors)
        if let statusSigningUsage {
            do {
                _ = try ExtendedKeyUsageRequirement.objectIdentifier(statusSigningUsage)
            } catch {
                throw AuthoringError("--status-signing-eku: \(error.reason)")
            }
            clientConfiguration.verification.statusSigningUsage = statusSigningUsage
        }
        clientConfiguration.verification.issuerBinding = requiresIssuerBinding ? .always : .withoutExplicitTrust
        var verifier = CredentialStatusVerifier(client: StandingClient(configuration: clientConfiguration), statusOnly: statusOnly)
        let trustSource = try trust.isEmpty ? nil : TrustSource.anyOf(trust.map(LocalFiles.trustSource))
        if let registry {
            guard let url = URL(string: registry), url.scheme != nil else { throw AuthoringError("--registry: '\(registry)' is not a URL") }
            var configuration = RegistryClient.Configuration(registryURL: url, mode: registryMode, cacheDirectory: cache)
            configuration.policy = policy
            configuration.fetching.timeout = timeout
            if let transport { configuration.fetching.transport = transport }
            verifier.accreditation = try RegistryClient(configuration: configuration)
            verifier.accreditationOverrides = accreditationOverrides
        }
        return await verifier.verify(parsed, trust: trustSource, options: FetchOptions(policy: policy, at: at))
    }

    /// The certificates of one `--trust-anchor` PEM file.
    /// - Throws: ``AuthoringError`` naming the option and the file.
    public static func trustAnchors(_ path: String) throws -> [X509Certificate] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AuthoringError("--trust-anchor: cannot read \(path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw AuthoringError("--trust-anchor: \(path) is not PEM text") }
        do {
            return try X509Certificate.parseChain(pem: text)
        } catch {
            throw AuthoringError("--trust-anchor: \(path) holds no usable PEM certificates: \(error.reason)")
        }
    }

    /// An instant as typed: unix seconds, or an XML Schema / ISO 8601 date-time with a time zone.
    /// - Throws: ``AuthoringError`` naming `--at`.
    public static func instant(_ text: String) throws -> Date {
        if let seconds = Int64(text), seconds >= 0 { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        if let date = try? XMLDateTime.parse(text) { return date }
        throw AuthoringError("--at must be unix seconds or a date-time with a time zone (2026-01-31T12:00:00Z), got '\(text)'")
    }

    /// A failure to verify in one line: a ``StatusClientError`` as `kind: reason`, others as they describe themselves.
    public static func message(for error: any Error) -> String {
        (error as? StatusClientError).map { "\($0.kind.rawValue): \($0.reason)" } ?? "\(error)"
    }
}
