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

    /// The PKCS#10 request for an x509 identity's key, signed through the key itself (so an HSM key can make one);
    /// the subject is the request's common name (default: the issuer principal), organisation and country.
    func certificateSigningRequest(for key: StoredSigningKey, request: CreateIdentityRequest) throws -> String {
        let subject = try certificateSubject(of: request)
        do {
            return try key.key.certificateSigningRequestPEM(subject: subject)
        } catch let error where error.code == .malformed {
            throw ServiceError(.invalidValue, "certificate signing request: \(error.reason)")
        } catch {
            throw ServiceError(.unavailable, "certificate signing request: \(error.reason)")
        }
    }

    /// The subject an x509 identity's CSR names, checked before anything is generated or stored.
    func certificateSubject(of request: CreateIdentityRequest) throws -> CertificateName {
        let subject = CertificateName(commonName: request.commonName ?? request.issuer, organization: request.organization, country: request.country)
        do {
            try subject.validate()
        } catch {
            throw ServiceError(.invalidValue, "certificate subject: \(error.reason)")
        }
        return subject
    }

    /// Checks a chain for `key` by ``StatusSigningChain/checkImport(pem:heldKey:requiredExtendedKeyUsage:at:)``, with the
    /// server's status-signing usage setting; a refusal is an invalid-value problem (400) naming what is wrong.
    func checkCertificateChain(pem: String, key: VerificationKey, now: Date) throws -> CheckedChain {
        let checked: StatusSigningChainImport
        do {
            checked = try StatusSigningChain.checkImport(pem: pem, heldKey: key, requiredExtendedKeyUsage: configuration.statusSigningUsage, at: now)
        } catch {
            throw ServiceError(.invalidValue, "certificate chain refused: \(error.reason)")
        }
        return CheckedChain(
            chain: checked.derChain,
            summary: CertificateSummary(subject: checked.leafSubject, issuer: checked.leafIssuer, notBefore: checked.notValidBefore, notAfter: checked.notValidAfter),
            notes: checked.notes)
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
