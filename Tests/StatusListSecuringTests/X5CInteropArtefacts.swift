import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// Writes tokens our signer made with an X.509 chain, for the independent verifier (Tests/Probes/x5c-interop.sh runs
/// this with `STANDING_X5C_OUT=DIR`, then Tests/Probes/x5c_verify.py and `openssl req -verify` on the files).
///
/// The chain is made the way an operator gets one: the held key's CSR is read back and certified by a CA (with an
/// intermediate), the returned chain passes ``StatusSigningChain/checkImport(pem:heldKey:requiredExtendedKeyUsage:at:)``,
/// and its DER goes into the signer.
@Suite("x5c interoperability artefacts")
struct X5CInteropArtefacts {
    static let outputDirectory = ProcessInfo.processInfo.environment["STANDING_X5C_OUT"]
    /// A placeholder for `id-kp-oauthStatusSigning` (`{ id-kp TBD }`); the probe passes the same to the verifier.
    static let statusSigningUsage = "1.3.6.1.5.5.7.3.99"

    @Test("write a CA, CSRs and JWT/CWT tokens signed with a chain, per algorithm", .enabled(if: outputDirectory != nil))
    func writeArtefacts() throws {
        let directory = URL(fileURLWithPath: try #require(Self.outputDirectory), isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ name: String, _ data: Data) throws { try data.write(to: directory.appendingPathComponent(name)) }

        let now = Date()
        let rootKey = SigningKey.generate(.es256)
        let root = try X509Certificate.selfSigned(
            name: CertificateName(commonName: "Standing probe root CA", country: "ES"), key: rootKey,
            validFrom: now.addingTimeInterval(-3_600), validUntil: now.addingTimeInterval(86_400 * 365))
        let issuingKey = SigningKey.generate(.es384)
        let issuing = try X509Certificate.issue(
            name: CertificateName(commonName: "Standing probe issuing CA"), publicKey: issuingKey.verificationKey, issuer: root, issuerKey: rootKey,
            validFrom: now.addingTimeInterval(-3_600), validUntil: now.addingTimeInterval(86_400 * 90), isCertificateAuthority: true)
        try write("anchor.pem", Data(root.pemEncoded.utf8))

        let statement = StatusListStatement(
            url: "https://status.example/status/x5c", issuer: "https://uni.example.es", bitstring: Fixture.oneBitList, purposes: [.revocation],
            issuedAt: now, validUntil: now.addingTimeInterval(86_400), ttlSeconds: 3_600)
        for algorithm in SignatureAlgorithm.allCases {
            let name = algorithm.rawValue.lowercased()
            let heldKey = SigningKey.generate(algorithm)
            let csrPEM = try heldKey.certificateSigningRequestPEM(
                subject: CertificateName(commonName: "Status signer \(name)", organization: "Universidad de Ejemplo", country: "ES"))
            try write("\(name).csr.pem", Data(csrPEM.utf8))
            let request = try VerifiedCertificateSigningRequest(pemEncoded: csrPEM)
            let leaf = try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer \(name)", organization: "Universidad de Ejemplo", country: "ES"),
                publicKey: request.publicKey, issuer: issuing, issuerKey: issuingKey,
                validFrom: now.addingTimeInterval(-600), validUntil: now.addingTimeInterval(86_400 * 30), extendedKeyUsages: [Self.statusSigningUsage])
            let chainPEM = leaf.pemEncoded + issuing.pemEncoded
            try write("\(name).chain.pem", Data(chainPEM.utf8))
            let imported = try StatusSigningChain.checkImport(
                pem: chainPEM, heldKey: heldKey.verificationKey, requiredExtendedKeyUsage: Self.statusSigningUsage, at: now)
            let signer = StatusListSigningKey(
                key: heldKey, keyID: "\(name)-1", verificationMethod: "did:web:uni.example.es#\(name)-1", certificateChain: imported.derChain)
            try write("\(name).jwt", Data(try StatusListSigner.statusListJWT(statement, signer: signer, level: 9).utf8))
            try write("\(name).cwt", try StatusListSigner.statusListCWT(statement, signer: signer, level: 9))
        }

        // A token whose x5c leaf is self-signed (HAIP forbids it): the verifier must refuse it even when that
        // certificate is its anchor.
        let loneKey = SigningKey.generate(.es256)
        let lone = try X509Certificate.selfSigned(
            name: CertificateName(commonName: "Self-signed signer"), key: loneKey, validFrom: now.addingTimeInterval(-600),
            validUntil: now.addingTimeInterval(86_400))
        try write("selfsigned-anchor.pem", Data(lone.pemEncoded.utf8))
        let loneSigner = StatusListSigningKey(key: loneKey, keyID: "lone", verificationMethod: "did:web:lone.example#lone", certificateChain: [lone.derEncoded])
        try write("selfsigned.jwt", Data(try StatusListSigner.statusListJWT(statement, signer: loneSigner, level: 9).utf8))
    }
}
