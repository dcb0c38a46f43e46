import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("ETSI TS 119 602 LoTE and its compact JAdES signature")
struct LoTETests {
    let configuration = LoTEConfiguration(baseURL: World.base)
    let signingTime = instant("2026-06-01T00:00:00Z")

    /// The registry's self-signed signer certificate.
    static func signer(name: String = "Example Registry LoTE signer") throws -> (SigningKey, X509Certificate) {
        let key = SigningKey.generate(.es256)
        let certificate = try X509Certificate.selfSigned(
            name: CertificateName(commonName: name, organization: "Example Registry", country: "EU"),
            key: key,
            validFrom: instant("2025-01-01T00:00:00Z"),
            validUntil: instant("2030-01-01T00:00:00Z")
        )
        return (key, certificate)
    }

    @Test("the LoTE lists every accredited entity with services, status and history")
    func content() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        try world.change(.suspend, id, by: world.aneca, reason: "review", at: instant("2026-03-01T00:00:00Z"))
        try world.change(.reinstate, id, by: world.aneca, at: instant("2026-04-01T00:00:00Z"))
        let lote = try world.state.lote(configuration: configuration, sequenceNumber: 7, issuedAt: signingTime)
        #expect(lote.seq == world.state.seq)
        let information = lote.body.LoTE.ListAndSchemeInformation
        #expect(information.LoTEVersionIdentifier == 1 && information.LoTESequenceNumber == 7)
        #expect(information.ListIssueDateTime == "2026-06-01T00:00:00Z" && information.NextUpdate == "2026-06-08T00:00:00Z")
        #expect(information.SchemeOperatorName == [LoTEMultiLangString(lang: "en", value: "Example Accreditation Registry")])
        #expect(information.SchemeExtensions?.first?["RegistryState"]?["head"]?.stringValue == world.state.headHash)
        let entities = try #require(lote.body.LoTE.TrustedEntitiesList)
        #expect(entities.count == 3)
        let entry = try #require(entities.first { $0.TrustedEntityInformation.TEName.first?.value == "Universidad Ejemplo" })
        #expect(entry.TrustedEntityInformation.TEAddress.TEPostalAddress.first?.Country == "ES")
        let service = try #require(entry.TrustedEntityServices.first)
        #expect(service.ServiceInformation.ServiceStatus == "\(World.base)/Status/granted")
        #expect(service.ServiceInformation.StatusStartingTime == "2026-04-01T00:00:00Z")
        #expect(service.ServiceInformation.ServiceTypeIdentifier == "\(World.base)/SvcType/CredentialIssuance")
        #expect(service.ServiceInformation.ServiceDigitalIdentity.OtherIds == [university.did])
        #expect(service.ServiceInformation.ServiceDigitalIdentity.PublicKeyValues?.first?.x == university.entity.keys[0].x)
        #expect(service.ServiceHistory?.map(\.ServiceStatus) == ["\(World.base)/Status/suspended", "\(World.base)/Status/granted"])
        #expect(service.ServiceHistory?.map(\.StatusStartingTime) == ["2026-03-01T00:00:00Z", "2026-01-01T00:00:00Z"])
        // Member names are the ETSI schema's.
        let json = try JSONValue(encoding: lote.body)
        #expect(json["LoTE"]?["ListAndSchemeInformation"]?["LoTESequenceNumber"] == 7)
        #expect(json["LoTE"]?["TrustedEntitiesList"]?.arrayValue?.first?["TrustedEntityServices"] != nil)
        // Expired and revoked services are withdrawn.
        let later = try world.state.lote(configuration: configuration, sequenceNumber: 8, issuedAt: instant("2029-02-01T00:00:00Z"))
        let expired = try #require(
            later.body.LoTE.TrustedEntitiesList?.first { $0.TrustedEntityInformation.TEName.first?.value == "Universidad Ejemplo" }
        )
        #expect(expired.TrustedEntityServices[0].ServiceInformation.ServiceStatus == "\(World.base)/Status/withdrawn")
        #expect(expired.TrustedEntityServices[0].ServiceInformation.StatusStartingTime == "2029-01-01T00:00:00Z")
    }

    @Test("a signed LoTE verifies with its x5c against the pinned certificate, and fails against another")
    func jadesSelfSigned() async throws {
        var world = try World()
        _ = try world.spanishUniversity()
        let (key, certificate) = try Self.signer()
        let document = try world.state.lote(configuration: configuration, sequenceNumber: 1, issuedAt: signingTime).body
        let compact = try LoTESigning.sign(document, key: key, certificateChain: [certificate], signingTime: signingTime)
        let header = try CompactJWS(parsing: compact).header
        #expect(header.algorithm == "ES256")
        #expect(header.certificateChain == [certificate.derEncoded])
        // TS 119 182-1: signatures made since 2025-05-15 carry the signing time as iat and no sigT, so nothing is
        // critical and any RFC 7515 consumer can process the header.
        #expect(header["iat"]?.integerValue == RegistryTime.numericDate(signingTime))
        #expect(header["sigT"] == nil && header["crit"] == nil && header.critical.isEmpty)
        #expect(Set(header.json.keys) == ["alg", "x5c", "x5t#S256", "iat"])
        #expect(header["x5t#S256"]?.stringValue == certificate.sha256Thumbprint)

        let verified = try await LoTESigning.verify(compact, trustAnchors: [certificate], at: instant("2026-06-02T00:00:00Z"))
        #expect(verified.document == document && verified.signingTime == signingTime)
        #expect(verified.certificatePath == [certificate])

        let (_, other) = try Self.signer(name: "Someone else")
        let wrongAnchor = await captureError { _ = try await LoTESigning.verify(compact, trustAnchors: [other], at: instant("2026-06-02T00:00:00Z")) }
        #expect(wrongAnchor?.code == .badSignature)
        // A chain the attacker made, carrying the right name but another key.
        let (attackerKey, attackerCertificate) = try Self.signer()
        let forged = try LoTESigning.sign(document, key: attackerKey, certificateChain: [attackerCertificate], signingTime: signingTime)
        let forgedError = await captureError {
            _ = try await LoTESigning.verify(forged, trustAnchors: [certificate], at: instant("2026-06-02T00:00:00Z"))
        }
        #expect(forgedError?.code == .badSignature)
        // The right certificate in x5c but a signature by another key.
        let mixed = try CompactJWS.sign(
            json: try JSONValue(encoding: document),
            key: attackerKey,
            certificateChain: [certificate.derEncoded],
            additionalHeader: ["sigT": "2026-06-01T00:00:00Z", "crit": ["sigT"]]
        )
        let mixedError = await captureError {
            _ = try await LoTESigning.verify(mixed, trustAnchors: [certificate], at: instant("2026-06-02T00:00:00Z"))
        }
        #expect(mixedError?.code == .badSignature)
        // A list signed before 2025-05-15 with a critical sigT (and no iat) still verifies, with its signing time.
        let legacy = try CompactJWS.sign(
            json: try JSONValue(encoding: document),
            key: key,
            certificateChain: [certificate.derEncoded],
            additionalHeader: ["sigT": "2026-06-01T00:00:00Z", "crit": ["sigT"]]
        )
        let legacyVerified = try await LoTESigning.verify(legacy, trustAnchors: [certificate], at: instant("2026-06-02T00:00:00Z"))
        #expect(legacyVerified.signingTime == signingTime)
        // Past NextUpdate, and outside the certificate's validity.
        let stale = await captureError { _ = try await LoTESigning.verify(compact, trustAnchors: [certificate], at: instant("2026-06-09T00:00:00Z")) }
        #expect(stale?.code == .expired)
        let outside = await captureError {
            _ = try await LoTESigning.verify(compact, trustAnchors: [certificate], at: instant("2031-01-01T00:00:00Z"))
        }
        #expect(outside?.code == .badSignature)
        // The key must match the certificate when signing.
        expectRegistryError(.malformed) {
            _ = try LoTESigning.sign(document, key: attackerKey, certificateChain: [certificate], signingTime: signingTime)
        }
    }

    @Test("a CA-issued signer certificate verifies through its chain to the pinned CA")
    func jadesChain() async throws {
        let world = try World()
        let caKey = SigningKey.generate(.es256)
        let ca = try X509Certificate.selfSigned(
            name: CertificateName(commonName: "Example Trust CA", country: "EU"),
            key: caKey,
            validFrom: instant("2025-01-01T00:00:00Z"),
            validUntil: instant("2035-01-01T00:00:00Z")
        )
        let signerKey = SigningKey.generate(.es256)
        let leaf = try X509Certificate.issue(
            name: CertificateName(commonName: "Registry seal"),
            publicKey: signerKey.verificationKey,
            issuer: ca,
            issuerKey: caKey,
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2027-01-01T00:00:00Z")
        )
        let document = try world.state.lote(configuration: configuration, sequenceNumber: 1, issuedAt: signingTime).body
        let compact = try LoTESigning.sign(document, key: signerKey, certificateChain: [leaf, ca], signingTime: signingTime)
        let verified = try await LoTESigning.verify(compact, trustAnchors: [ca], at: instant("2026-06-02T00:00:00Z"))
        #expect(verified.certificatePath == [leaf, ca])
        // An end-entity certificate cannot be an anchor (RFC 5280 needs a CA): pin the CA.
        let leafPinned = await captureError { _ = try await LoTESigning.verify(compact, trustAnchors: [leaf], at: instant("2026-06-02T00:00:00Z")) }
        #expect(leafPinned?.code == .badSignature)
        // Without the CA in x5c the path still builds from the pinned CA.
        let leafOnly = try LoTESigning.sign(document, key: signerKey, certificateChain: [leaf], signingTime: signingTime)
        #expect(try await LoTESigning.verify(leafOnly, trustAnchors: [ca], at: instant("2026-06-02T00:00:00Z")).certificatePath == [leaf, ca])
        let (_, unrelated) = try Self.signer()
        let error = await captureError { _ = try await LoTESigning.verify(compact, trustAnchors: [unrelated], at: instant("2026-06-02T00:00:00Z")) }
        #expect(error?.code == .badSignature)
    }

    @Test("the LoTE sequence number increases with every change and consumers refuse a regression")
    func sequenceNumbers() async throws {
        var world = try World()
        let (key, certificate) = try Self.signer()
        var counter = LoTEPublicationCounter()
        var published = [Int]()
        var lastNextUpdate: Date?
        var previous: Int?
        func publish(_ world: World, at time: Date) async throws {
            guard counter.isReleaseDue(stateSeq: world.state.seq, lastNextUpdate: lastNextUpdate, now: time) else { return }
            let number = counter.advance(stateSeq: world.state.seq)
            let document = try world.state.lote(configuration: configuration, sequenceNumber: number, issuedAt: time).body
            let compact = try LoTESigning.sign(document, key: key, certificateChain: [certificate], signingTime: time)
            let verified = try await LoTESigning.verify(compact, trustAnchors: [certificate], at: time, previousSequenceNumber: previous)
            previous = verified.document.LoTE.ListAndSchemeInformation.LoTESequenceNumber
            lastNextUpdate = try RegistryTime.parse(verified.document.LoTE.ListAndSchemeInformation.NextUpdate)
            published.append(number)
        }
        let t = instant("2026-02-01T00:00:00Z")
        try await publish(world, at: t)
        let (_, id) = try world.spanishUniversity()
        try await publish(world, at: t.addingTimeInterval(60))
        try await publish(world, at: t.addingTimeInterval(120))  // nothing changed: no release
        try world.change(.suspend, id, by: world.aneca, at: instant("2026-02-02T00:00:00Z"))
        try await publish(world, at: instant("2026-02-02T00:01:00Z"))
        try world.change(.reinstate, id, by: world.aneca, at: instant("2026-02-03T00:00:00Z"))
        try await publish(world, at: instant("2026-02-03T00:01:00Z"))
        try await publish(world, at: instant("2026-02-09T12:00:00Z"))  // NextUpdate is near: republished
        #expect(published == [1, 2, 3, 4, 5])
        let old = try world.state.lote(configuration: configuration, sequenceNumber: 2, issuedAt: instant("2026-02-09T12:00:00Z")).body
        let replayed = try LoTESigning.sign(old, key: key, certificateChain: [certificate], signingTime: instant("2026-02-09T12:00:00Z"))
        let error = await captureError {
            _ = try await LoTESigning.verify(replayed, trustAnchors: [certificate], at: instant("2026-02-09T12:00:00Z"), previousSequenceNumber: 5)
        }
        #expect(error?.code == .conflict)
        expectRegistryError(.malformed) { _ = try world.state.lote(configuration: configuration, sequenceNumber: 0, issuedAt: t) }
    }
}

/// Runs an async throwing body and returns the ``RegistryError`` it threw, if any.
func captureError(_ body: () async throws -> Void) async -> RegistryError? {
    do {
        try await body()
        return nil
    } catch let error as RegistryError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
