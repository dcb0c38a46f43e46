import Client
import Foundation
import Signing
import StandingTestSupport
import StatusList
import Testing
import TrustRegistry

/// `GET /registry/v1/snapshot` as served: the pre-built compact JWS in the `gzip` content coding when
/// `Accept-Encoding` allows it, identity otherwise, each with its own ETag, `Vary: Accept-Encoding`, HEAD and 304.
@Suite struct RegistrySnapshotHTTPTests {
    /// `Accept-Encoding` values (nil: absent) and whether gzip answers them.
    static let negotiations: [(header: String?, gzip: Bool)] = [
        (nil, false),
        ("", false),
        ("gzip", true),
        ("gzip, deflate, br", true),
        ("br;q=1.0, GZIP;Q=0.8", true),
        ("x-gzip", true),
        ("*", true),
        ("gzip;q=0", false),
        ("gzip;q=0.000, identity", false),
        ("*;q=0, identity", false),
        ("br, deflate", false),
        ("identity", false),
        ("gzip;q=0.5, identity;q=1", false),
        ("gzip;q=abc", false),
        ("gzip;q=0, *", false),
    ]

    /// The snapshot through the client library's transport, which sends only the headers given and never inflates
    /// (the test server's shared HTTP client adds its own `Accept-Encoding` and decompresses).
    static func snapshot(_ world: RegistryWorld, _ method: String = "GET", headers: [(String, String)] = []) async throws -> TransportResponse {
        let url = try #require(URL(string: world.server.baseURL + "/registry/v1/snapshot"))
        return try await AsyncHTTPClientTransport.shared.send(
            TransportRequest(url: url, headers: headers.map { (name: $0.0, value: $0.1) }, timeout: .seconds(30), maximumBodyBytes: 64 << 20,
                method: method))
    }

    @Test("gzip when Accept-Encoding allows it, identity otherwise: same JWS, own ETags, Vary, HEAD and 304")
    func negotiation() async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")
            try await world.accredit(university, by: world.aneca, token: world.anecaToken)
            let head = try await world.settled()
            let keys = try await world.serviceKeys()

            let identity = try await Self.snapshot(world)
            #expect(identity.status == 200 && identity.header("Content-Encoding") == nil)
            let snapshot = try WalletSigning.verifySnapshot(String(decoding: identity.body, as: UTF8.self), keys: keys)
            #expect(snapshot.seq == head && snapshot.entities.contains { $0.did == university.did })
            let identityTag = try #require(identity.header("ETag"))

            let gzipped = try await Self.snapshot(world, headers: [("Accept-Encoding", "gzip")])
            #expect(gzipped.status == 200 && gzipped.header("Content-Encoding") == "gzip")
            let inflated = try WireCompression.decompress([UInt8](gzipped.body), format: .gzip, maximumSize: 64 << 20)
            #expect(Data(inflated) == identity.body)
            let gzipTag = try #require(gzipped.header("ETag"))
            #expect(gzipTag != identityTag && gzipTag.hasPrefix("\"\(head)-") && identityTag.hasPrefix("\"\(head)-"))

            for (header, gzip) in Self.negotiations {
                let response = try await Self.snapshot(world, headers: header.map { [("Accept-Encoding", $0)] } ?? [])
                let what = "Accept-Encoding: \(header ?? "absent")"
                #expect(response.status == 200, "\(what)")
                #expect(response.header("Content-Encoding") == (gzip ? "gzip" : nil), "\(what)")
                #expect(response.header("ETag") == (gzip ? gzipTag : identityTag), "\(what)")
                #expect(response.body == (gzip ? gzipped.body : identity.body), "\(what)")
                #expect(response.header("Vary") == "Accept-Encoding", "\(what)")
                #expect(response.header("Content-Type") == "application/jwt", "\(what)")
                #expect(response.header("Cache-Control") == "public, max-age=60", "\(what)")
                #expect(response.header("X-Registry-Seq") == String(head) && response.header("X-Registry-Signed-Seq") == String(head), "\(what)")
            }

            // If-None-Match against the representation chosen: 304 with its headers; the other one's tag is a change.
            for (encoding, tag, other) in [("gzip", gzipTag, identityTag), ("identity", identityTag, gzipTag)] {
                let notModified = try await Self.snapshot(
                    world, headers: [("Accept-Encoding", encoding), ("If-None-Match", "W/\"x\", \(tag)")])
                #expect(notModified.status == 304 && notModified.body.isEmpty, "\(encoding)")
                #expect(notModified.header("ETag") == tag && notModified.header("Vary") == "Accept-Encoding", "\(encoding)")
                #expect(notModified.header("Content-Encoding") == (encoding == "gzip" ? "gzip" : nil), "\(encoding)")
                let changed = try await Self.snapshot(
                    world, headers: [("Accept-Encoding", encoding), ("If-None-Match", other)])
                #expect(changed.status == 200 && changed.header("ETag") == tag, "\(encoding)")
            }

            // HEAD: the GET's headers and length, no body.
            for (encoding, full) in [("gzip", gzipped), ("identity", identity)] {
                let response = try await Self.snapshot(world, "HEAD", headers: [("Accept-Encoding", encoding)])
                #expect(response.status == 200 && response.body.isEmpty, "\(encoding)")
                #expect(response.header("ETag") == full.header("ETag") && response.header("Content-Length") == String(full.body.count), "\(encoding)")
                #expect(response.header("Content-Encoding") == full.header("Content-Encoding"), "\(encoding)")
            }

            // A write re-signs: both representations move to new tags.
            let college = RegistryParty(did: "did:web:college.example.es", role: .issuer, name: "College", country: "ES")
            try await world.accredit(college, by: world.aneca, token: world.anecaToken)
            let next = try await world.settled()
            let after = try await Self.snapshot(world, headers: [("Accept-Encoding", "gzip"), ("If-None-Match", gzipTag)])
            #expect(after.status == 200 && after.header("ETag") != gzipTag && after.header("ETag")?.hasPrefix("\"\(next)-") == true)
        }
    }
}
