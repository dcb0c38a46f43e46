import Foundation
import NIOHTTP1
import Signing
import Testing
import TrustRegistry

@testable import Client
import StandingTestSupport

/// ``FederationResolver`` against a real server acting as Trust Anchor.
@Suite struct FederationResolverTests {
    static func resolver(transport: any StatusHTTPTransport = AsyncHTTPClientTransport.shared) -> FederationResolver {
        var fetching = FetchSettings(maximumResponseBytes: 1 << 20)
        fetching.transport = transport
        fetching.timeout = .seconds(30)
        return FederationResolver(fetching: fetching)
    }

    @Test func resolvesAnIssuersChainMetadataAndTrustMarks() async throws {
        let world = try await RegistryWorld.start()
        defer { Task { await world.server.stopAndRemove() } }
        let (issuer, accreditationId, _) = try await world.accreditIssuer(host: "uni.example.es")
        let anchor = try #require(URL(string: world.base))

        let chain = try await Self.resolver().resolve(subject: issuer.did, trustAnchor: anchor)
        #expect(chain.trustAnchor == world.base)
        #expect(chain.subject == issuer.did)
        #expect(chain.statements.count == 2)
        #expect(chain.organizationName == "University uni.example.es")
        #expect(chain.subjectKeys.keys == issuer.entity.keys)
        #expect(chain.expiresAt > Date())
        let types = Set(chain.trustMarks.map(\.type))
        #expect(types.contains(world.base + "/tm/issue/MicroCredential"))
        #expect(types.contains(world.base + "/tm/issue/" + RegistryWorld.microSchema.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!) == false)
        #expect(chain.trustMarks.allSatisfy { $0.claims["accreditation_id"]?.stringValue == accreditationId })
        // Only the types asked for.
        let one = try await Self.resolver().resolve(
            subject: issuer.did, trustAnchor: anchor, trustMarkTypes: [world.base + "/tm/issue/MicroCredential", world.base + "/tm/issue/Diploma"])
        #expect(one.trustMarks.map(\.type) == [world.base + "/tm/issue/MicroCredential"])

        // Pinned Trust Anchor keys: the service's key verifies; a stranger's is refused.
        let jwks = try JSONDecoder().decode(JWKSet.self, from: try await world.server.request(.GET, "/.well-known/jwks.json").body)
        let kid = try CompactJWS(parsing: chain.statements[1]).header.keyID
        let signing = JWKSet(keys: jwks.keys.filter { $0.kid == kid })
        #expect(signing.keys.count == 1)
        let pinned = try await Self.resolver().resolve(subject: issuer.did, trustAnchor: anchor, trustAnchorKeys: signing)
        #expect(pinned.subject == issuer.did)
        let stranger = JWKSet(verificationKeys: [SigningKey.generate(.es256).verificationKey])
        await #expect(throws: StatusClientError.self) {
            _ = try await Self.resolver().resolve(subject: issuer.did, trustAnchor: anchor, trustAnchorKeys: stranger)
        }

        // A suspended issuer keeps its chain but holds no Trust Mark.
        _ = try await world.suspend(accreditationId, subject: issuer.did)
        let suspended = try await Self.resolver().resolve(subject: issuer.did, trustAnchor: anchor)
        #expect(suspended.trustMarks.filter { $0.type.contains("/tm/issue/") }.isEmpty)
    }

    @Test func refusesUnknownSubjectsAndTamperedStatements() async throws {
        let world = try await RegistryWorld.start()
        defer { Task { await world.server.stopAndRemove() } }
        let (issuer, _, _) = try await world.accreditIssuer(host: "college.example.es")
        let anchor = try #require(URL(string: world.base))

        await #expect(throws: StatusClientError.self) {
            _ = try await Self.resolver().resolve(subject: "did:web:unknown.example", trustAnchor: anchor)
        }
        // A Subordinate Statement whose signature was altered does not verify.
        let tampering = RewritingTransport(AsyncHTTPClientTransport.shared) { request, response in
            guard request.url.path.hasSuffix("/federation/fetch"), var text = String(data: response.body, encoding: .utf8) else { return response }
            text = String(text.dropLast(3)) + (text.hasSuffix("AAA") ? "BBB" : "AAA")
            return TransportResponse(status: response.status, headers: response.headers, body: Data(text.utf8))
        }
        do {
            _ = try await Self.resolver(transport: tampering).resolve(subject: issuer.did, trustAnchor: anchor)
            Issue.record("a tampered statement was accepted")
        } catch {
            #expect(error.code == .verificationFailed)
        }
        // The Trust Anchor's configuration must name the Entity Identifier asked for (the same server under another name).
        let alias = world.base.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        if alias != world.base {
            let aliasURL = try #require(URL(string: alias))
            do {
                _ = try await Self.resolver().resolve(subject: issuer.did, trustAnchor: aliasURL)
                Issue.record("a configuration naming another entity was accepted")
            } catch {
                #expect(error.code == .subjectMismatch)
            }
        }
    }
}
