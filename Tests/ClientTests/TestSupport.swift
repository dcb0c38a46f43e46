import Foundation
import Signing
import StatusList
import StatusListSecuring
import Synchronization
import Testing

@testable import Client
import StandingTestSupport

/// Signs crafted status lists with a test key, in every securing form.
struct ListFactory: Sendable {
    let key: SigningKey
    let keyID: String
    let issuer: String

    init(algorithm: SignatureAlgorithm = .es256, keyID: String = "test-key", issuer: String = "did:example:issuer") {
        self.key = SigningKey.generate(algorithm)
        self.keyID = keyID
        self.issuer = issuer
    }

    var signer: StatusListSigningKey { StatusListSigningKey(key: key, keyID: keyID, verificationMethod: "\(issuer)#\(keyID)") }

    /// The keys a verifier trusting this factory uses.
    var trustedKeys: TrustedKeys {
        var keys = TrustedKeys()
        keys.add(key.verificationKey, keyID: keyID, verificationMethod: "\(issuer)#\(keyID)")
        return keys
    }

    var trust: TrustSource { .keys(trustedKeys) }

    func statement(
        url: String,
        bitstring: Bitstring,
        purposes: [StatusPurpose] = [.revocation],
        issuedAt: Date = Date().addingTimeInterval(-60),
        validUntil: Date = Date().addingTimeInterval(3600),
        ttlSeconds: Int = 60
    ) -> StatusListStatement {
        StatusListStatement(
            url: url,
            issuer: issuer,
            bitstring: bitstring,
            purposes: purposes,
            issuedAt: issuedAt,
            validUntil: validUntil,
            ttlSeconds: ttlSeconds
        )
    }

    func body(_ statement: StatusListStatement, _ format: VerifiedStatusList.Format, level: Int = 6) throws -> Data {
        switch format {
        case .w3cDataIntegrity:
            let credential = try StatusListSigner.w3cCredential(statement, level: level)
            return try StatusListSigner.dataIntegrityCredential(credential, signer: signer, created: statement.issuedAt)
        case .w3cJWT:
            return Data(try StatusListSigner.credentialJWT(try StatusListSigner.w3cCredential(statement, level: level), signer: signer).utf8)
        case .ietfJWT:
            return Data(try StatusListSigner.statusListJWT(statement, signer: signer, level: level).utf8)
        case .ietfCWT:
            return try StatusListSigner.statusListCWT(statement, signer: signer, level: level)
        }
    }

    /// A W3C credential with an arbitrary `id` (for id-mismatch tests).
    func w3cJWT(id: String, statement: StatusListStatement) throws -> Data {
        let subject = try BitstringStatusList(id: id + "#list", statusPurpose: .one(.revocation), bitstring: statement.bitstring, ttl: 60_000)
        let credential = try BitstringStatusListCredential(
            id: id,
            issuer: issuer,
            credentialSubject: subject,
            validFrom: XMLDateTime.format(statement.issuedAt),
            validUntil: XMLDateTime.format(statement.validUntil)
        )
        return Data(try StatusListSigner.credentialJWT(credential, signer: signer).utf8)
    }
}

/// A 131,072-entry list with the given values set.
func bitstring(count: Int = Bitstring.w3cMinimumEntries, size: StatusSize = .one, set values: [Int: UInt8] = [:]) throws -> Bitstring {
    var bits = try Bitstring(count: count, entrySize: size)
    for (index, value) in values { try bits.set(value, at: index) }
    return bits
}

extension VerifiedStatusList.Format {
    var mediaType: String { rawValue }
}

/// Counts the requests a client sends, and what they were answered with.
final class CountingTransport: StatusHTTPTransport {
    struct Exchange: Sendable {
        let url: String
        let headers: [(name: String, value: String)]
        let status: Int?
    }

    private let inner: any StatusHTTPTransport
    private let exchanges = Mutex<[Exchange]>([])

    init(_ inner: any StatusHTTPTransport = AsyncHTTPClientTransport.shared) {
        self.inner = inner
    }

    func send(_ request: TransportRequest) async throws(StatusClientError) -> TransportResponse {
        do {
            let response = try await inner.send(request)
            exchanges.withLock { $0.append(Exchange(url: request.url.absoluteString, headers: request.headers, status: response.status)) }
            return response
        } catch {
            exchanges.withLock { $0.append(Exchange(url: request.url.absoluteString, headers: request.headers, status: nil)) }
            throw error
        }
    }

    /// The exchanges so far, optionally only those whose URL contains `fragment`.
    func exchanges(_ fragment: String? = nil) -> [Exchange] {
        exchanges.withLock { all in fragment.map { fragment in all.filter { $0.url.contains(fragment) } } ?? all }
    }

    /// The status codes of the exchanges whose URL contains `fragment`.
    func statuses(_ fragment: String) -> [Int?] { exchanges(fragment).map(\.status) }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date()) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// A fresh temporary directory.
func temporaryDirectory(_ name: String = "standing-client") -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)", isDirectory: true)
}

/// A client for tests: counting transport, test clock, optional disk cache.
func makeClient(
    transport: CountingTransport = CountingTransport(),
    clock: TestClock? = nil,
    cacheDirectory: URL? = nil,
    configure: (inout StandingClient.Configuration) -> Void = { _ in }
) -> StandingClient {
    var configuration = StandingClient.Configuration(cacheDirectory: cacheDirectory)
    configuration.fetching.transport = transport
    if let clock { configuration.now = { clock.now } }
    // Generous: every suite runs at once on 2 cores in CI, and each fetch now waits for its whole body within the
    // deadline; tests of the timeout itself set their own.
    configuration.fetching.timeout = .seconds(30)
    configure(&configuration)
    return StandingClient(configuration: configuration)
}

/// Expects `body` to fail with a client error of `kind` (and `code`, when given); returns the error.
@discardableResult
func expectFailure<T>(
    _ kind: StatusValidationErrorKind,
    _ code: StatusClientError.Code? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> StatusClientError? {
    do {
        let value = try await body()
        Issue.record("expected \(kind.rawValue) but got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as StatusClientError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        if let code { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected a StatusClientError \(kind.rawValue), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
