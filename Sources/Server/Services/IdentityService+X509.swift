import Foundation
import Signing
import StandingAPI
import Store

extension IdentityService {
    /// What a checked certificate chain import gives: the chain to store and what to tell the operator.
    struct CheckedChain {
        var chain: [Data]
        var summary: CertificateSummary
        var notes: [String]
    }

    func certificateSigningRequest(for key: StoredSigningKey, request: CreateIdentityRequest) throws -> String {
        throw ServiceError(.notImplemented, "certificate signing requests arrive with the X.509 signing work")
    }

    func checkCertificateChain(pem: String, key: VerificationKey, now: Date) throws -> CheckedChain {
        throw ServiceError(.notImplemented, "certificate chain import arrives with the X.509 signing work")
    }
}

extension CertificateSummary {
    /// The summary of a DER certificate.
    init(der: Data) throws {
        let certificate = try X509Certificate(derEncoded: der)
        self.init(
            subject: certificate.subject, issuer: certificate.issuer, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
    }
}
