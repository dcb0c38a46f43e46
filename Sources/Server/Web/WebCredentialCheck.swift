import Client
import Foundation
import StandingAPI
import StatusList
import Store
import Synchronization

/// The loopback port this server listens on, known once it is bound (``buildApplication(configuration:logger:onServerRunning:)``
/// records it): the web check reaches the service through it.
final class LoopbackPort: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int?) { port.withLock { $0 = value } }

    var value: Int? { port.withLock { $0 } }
}

/// Sends the verifier's requests to this service only, over loopback: a credential pasted into a public page must not
/// make the server fetch URLs of the submitter's choosing (server-side request forgery). A URL whose host and port are
/// the base URL's (with `http` or `https`: `did:web` always resolves to `https`) is rewritten to
/// `http://127.0.0.1:PORT` with the same path and query and sent; any other URL is refused as unreachable, so a
/// credential of another service's lists or DID reads "Cannot be checked" and names the host.
struct OwnServiceTransport: StatusHTTPTransport {
    let baseHost: String
    let basePort: Int
    let loopback: LoopbackPort
    let inner: any StatusHTTPTransport

    init(baseURL: String, loopback: LoopbackPort, inner: any StatusHTTPTransport = AsyncHTTPClientTransport.shared) {
        let components = URLComponents(string: baseURL)
        self.baseHost = components?.host?.lowercased() ?? ""
        self.basePort = components?.port ?? (components?.scheme == "https" ? 443 : 80)
        self.loopback = loopback
        self.inner = inner
    }

    func send(_ request: TransportRequest) async throws(StatusClientError) -> TransportResponse {
        guard var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false),
            let host = components.host?.lowercased(), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme)
        else {
            throw StatusClientError(.unreachable, kind: .statusRetrievalError, "only this service's own URLs are fetched here")
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard host == baseHost, port == basePort || (scheme == "https" && components.port == nil && port == 443 && basePort == 443),
            let listening = loopback.value
        else {
            throw StatusClientError(
                .unreachable,
                kind: .statusRetrievalError,
                "\(host.prefix(100)) is not this service; this page checks only what this service publishes (use standing verify for others)"
            )
        }
        components.scheme = "http"
        components.host = "127.0.0.1"
        components.port = listening
        guard let url = components.url else {
            throw StatusClientError(.unreachable, kind: .statusRetrievalError, "the URL cannot be rewritten to this service")
        }
        var local = request
        local.url = url
        return try await inner.send(local)
    }
}

/// What the check page shows: the verifier's report, or why nothing could be checked.
enum WebCheckOutcome: Sendable {
    /// The verifier ran (whatever its verdict).
    case report(CredentialReport, accreditationChecked: Bool)
    /// The input could not be checked at all (not a credential, an unknown list...): the reason in the verifier's words.
    case unchecked(String)
}

/// Checks what people submit with the verifier `standing verify` runs (``CredentialVerification``): the same proof,
/// status and accreditation checks, with the settings a public page of this service needs.
///
/// - Trust: the keys this service signs its lists with (`/.well-known/jwks.json`), and the credential's own issuer
///   DID for its proof (a `did:key` is its own key; a `did:web` this service hosts resolves here).
/// - Registry: this service's, over TRQP, when it has a root authority.
/// - Every request goes to this service over loopback (``OwnServiceTransport``); the list cache is a directory of its
///   own under the system's temporary directory, holding only published lists, never a submission.
struct WebCredentialChecker: Sendable {
    let baseURL: String
    let loopback: LoopbackPort
    let cacheDirectory: URL
    let registryInitialised: @Sendable () -> Bool
    /// The purpose and entry size of one of this service's lists, by id (for checks by list and index).
    let listShape: @Sendable (String) -> (purpose: String, statusSize: Int)?

    /// The purpose and entry size of the lists `published` holds, by id.
    static func listShapes(_ published: PublishedLists) -> @Sendable (String) -> (purpose: String, statusSize: Int)? {
        { id in published.get(id).map { ($0.definition.purpose.rawValue, $0.definition.statusSize) } }
    }

    /// The longest one check may fetch for: everything is local, so this only bounds a stuck request.
    static let timeout: Duration = .seconds(10)

    func verification(registry: Bool) -> CredentialVerification {
        var verification = CredentialVerification()
        verification.trust = [baseURL + "/.well-known/jwks.json"]
        verification.cacheDirectory = cacheDirectory
        verification.timeout = Self.timeout
        verification.transport = OwnServiceTransport(baseURL: baseURL, loopback: loopback)
        if registry {
            verification.registry = baseURL
            verification.registryMode = .trqp
        }
        return verification
    }

    /// Checks a credential as pasted: a JSON-LD VC, a `vc+jwt`, or a JWT with an IETF `status` claim.
    func check(credential text: String) async -> WebCheckOutcome {
        let parsed: ParsedCredential
        do {
            parsed = try ParsedCredential(parsing: Data(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
        } catch {
            return .unchecked(CredentialVerification.message(for: error))
        }
        var verification = verification(registry: registryInitialised())
        if let issuer = parsed.issuer, issuer.hasPrefix("did:key:") || issuer.hasPrefix("did:web:") {
            verification.trust.append(issuer)
        }
        do {
            return .report(try await verification.verify(parsed), accreditationChecked: verification.registry != nil)
        } catch {
            return .unchecked(CredentialVerification.message(for: error))
        }
    }

    /// Checks one entry of one of this service's lists, given by its URL (`{base}/status/{id}`) and index: the status
    /// alone (there is no credential, so no proof and no issuer).
    func check(list: String, index: Int) async -> WebCheckOutcome {
        let prefix = baseURL + "/status/"
        guard list.hasPrefix(prefix), let shape = listShape(String(list.dropFirst(prefix.count))) else {
            return .unchecked("\(list.prefix(200)) is not a list this service publishes (\(prefix)…)")
        }
        // The entry as a credential would carry it, so the verifier reads it exactly as it reads credentials.
        let credential = StatusOnlyCredential(
            credentialStatus: .init(
                statusPurpose: shape.purpose, statusListIndex: String(index), statusListCredential: list,
                statusSize: shape.statusSize > 1 ? shape.statusSize : nil))
        do {
            let parsed = try ParsedCredential(parsing: try JSONEncoder().encode(credential))
            var verification = verification(registry: false)
            verification.statusOnly = true
            return .report(try await verification.verify(parsed), accreditationChecked: false)
        } catch {
            return .unchecked(CredentialVerification.message(for: error))
        }
    }
}

/// The smallest credential that carries one status entry: what `/check` with a list and an index verifies, so the
/// verifier reads it exactly as it reads a pasted credential.
private struct StatusOnlyCredential: Encodable {
    struct Entry: Encodable {
        var type = "BitstringStatusListEntry"
        var statusPurpose: String
        var statusListIndex: String
        var statusListCredential: String
        var statusSize: Int?
    }

    struct Subject: Encodable {
        var id = "urn:standing:web-check"
    }

    var context = ["https://www.w3.org/ns/credentials/v2"]
    var type = ["VerifiableCredential"]
    var credentialSubject = Subject()
    var credentialStatus: Entry

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case type, credentialSubject, credentialStatus
    }
}
