import Foundation
import NIOHTTP1
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Server
import StandingTestSupport

/// Publications recompress only the segments their changes touched; these tests check that what is served is always
/// exactly the committed list, in all four forms, across rounds of changes and a restart.
@Suite struct IncrementalPublicationTests {
    static let capacity = 1_048_576
    /// The base segment size; a list this sparse gets 8 times that (8 KiB, 65,536 entries): 16 segments, so the
    /// allocated entries spread over many of them.
    static let segmentBytes = 1024

    static func trustedKeys(_ server: TestServer) async throws -> TrustedKeys {
        let jwks = try JSONDecoder().decode(JWKSet.self, from: try await server.request(.GET, "/.well-known/jwks.json").body)
        var keys = try TrustedKeys(jwks: jwks)
        let did = try JSONDecoder().decode(DIDDocument.self, from: try await server.request(.GET, "/.well-known/did.json").body)
        keys.merge(try TrustedKeys(didDocument: did))
        return keys
    }

    /// Whether every form of the published list verifies and carries exactly `expected`, and the W3C list is byte for
    /// byte what compressing `expected` from scratch gives.
    static func servesExactly(_ expected: Bitstring, _ server: TestServer, _ list: String) async throws -> Bool {
        let keys = try await trustedKeys(server)
        let url = "\(server.baseURL)/status/\(list)"
        for mediaType in StatusMediaType.allCases {
            let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", mediaType.rawValue)])
            guard response.status == 200 else { return false }
            let verified = try StatusListVerifier.verify(response.body, mediaType: mediaType.rawValue, expectedURL: url, trustedKeys: keys)
            guard verified.bitstring == expected else { return false }
            if mediaType == .vc {
                let document = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
                let subject = try #require(document["credentialSubject"] as? [String: Any])
                let geometry = SegmentedCompressedList.segmentBytes(for: expected, base: segmentBytes)
                let fresh = try SegmentedCompressedList(expected, format: .w3c, level: 6, segmentBytes: geometry)
                #expect(subject["encodedList"] as? String == fresh.encodedList)
            }
        }
        return true
    }

    @Test func everyPublicationCarriesExactlyTheCommittedEntries() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-incremental-\(UUID().uuidString)")
        // One port for both runs, so the list URLs (and the tokens' `sub`) stay the same across the restart.
        let port = try await TestServer.freePort()
        let configure: (inout ServerConfiguration) -> Void = {
            $0.compressionSegmentBytes = Self.segmentBytes
            $0.port = port
        }
        let first = try await TestServer.start(directory: directory, configure: configure)
        let list = try await first.createList(["purpose": "revocation", "capacity": Self.capacity])
        let indices = try await first.allocate(list, count: 40)
        #expect(Set(indices.map { $0 / (Self.segmentBytes * 8 * 8) }).count > 10, "the entries should spread over many segments")
        var expected = try Bitstring(count: Self.capacity, entrySize: .one)
        #expect(try await eventually { try await Self.servesExactly(expected, first, list) })

        // Rounds of one, then several changes: each publication recompresses only the touched segments.
        var next = 0
        for size in [1, 3, 9] {
            let batch = indices[next..<next + size]
            next += size
            let response = try await first.admin(
                .POST, "/admin/lists/\(list)/status", json: ["changes": batch.map { ["index": $0, "value": 1] }])
            #expect(response.status == 200)
            for index in batch { try expected.set(1, at: index) }
            let snapshot = expected
            #expect(try await eventually { try await Self.servesExactly(snapshot, first, list) }, "after \(size) change(s)")
        }

        // After a restart the list is restored from its last publication and its segments are rebuilt in the background.
        await first.stop()
        let server = try await TestServer.start(directory: directory, configure: configure)
        defer { Task { await server.stopAndRemove() } }
        let restored = expected
        #expect(try await eventually { try await Self.servesExactly(restored, server, list) })
        #expect(try await server.setStatus(list, indices[next], 1).status == 200)
        try expected.set(1, at: indices[next])
        let final = expected
        #expect(try await eventually { try await Self.servesExactly(final, server, list) })
    }

    @Test func changesDuringAPublicationAreNotLost() async throws {
        // With a window of zero, a stream of single changes keeps a publication under way while others arrive.
        let server = try await TestServer.start { $0.compressionSegmentBytes = Self.segmentBytes }
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "capacity": Self.capacity])
        let indices = try await server.allocate(list, count: 30)
        var expected = try Bitstring(count: Self.capacity, entrySize: .one)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in indices {
                group.addTask { try await server.setStatus(list, index, 1).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        for index in indices { try expected.set(1, at: index) }
        let snapshot = expected
        #expect(try await eventually(timeout: .seconds(10)) { try await Self.servesExactly(snapshot, server, list) })
    }

    @Test func theSegmentSizeFollowsTheListsDensity() throws {
        var settings = CompressionSettings()
        settings.segmentBytes = 4096
        var list = try Bitstring(count: 1_048_576, entrySize: .one)
        var compression = try ListCompression(list, ietf: true, settings: settings)
        #expect(compression.segmentBytes == 4096 * SegmentedCompressedList.maximumSegmentFactor, "an empty list gets the largest segments")

        // A few changes keep the geometry and recompress only their segments.
        var changed: Set<Int> = []
        for index in stride(from: 17, to: 1_048_576, by: 99_991) {
            try list.set(1, at: index)
            changed.insert(index / 8)
        }
        try compression.update(changedBytes: changed, from: list, settings: settings)
        #expect(compression.segmentBytes == 32_768)
        #expect(try Self.decoded(compression.forms) == list)

        // Filling to 5 % moves the ideal size 8x down: the list is compressed anew at the base size.
        changed = []
        for index in stride(from: 3, to: 1_048_576, by: 20) {
            try list.set(1, at: index)
            changed.insert(index / 8)
        }
        try compression.update(changedBytes: changed, from: list, settings: settings)
        #expect(compression.segmentBytes == 4096)
        #expect(try Self.decoded(compression.forms) == list)
        let fresh = try ListCompression(list, ietf: true, settings: settings)
        #expect(fresh.forms.w3cEncodedList == compression.forms.w3cEncodedList)
        #expect(fresh.forms.ietfCompressed == compression.forms.ietfCompressed)
    }

    static func decoded(_ forms: CompressedForms) throws -> Bitstring {
        let w3c = try Bitstring(w3cEncodedList: forms.w3cEncodedList)
        let ietf = try Bitstring(ietfCompressed: try #require(forms.ietfCompressed), bits: .one)
        #expect(w3c == ietf)
        return w3c
    }
}
