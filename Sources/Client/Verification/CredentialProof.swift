import Foundation
import Signing
import StatusList
import StatusListSecuring

extension CredentialStatusVerifier {
    /// The Data Integrity cryptosuites whose proofs are verified.
    static let supportedCryptosuites = DataIntegrity.Cryptosuite.allCases.map(\.rawValue)

    /// Verifies a credential's own proof: a Data Integrity proof (`eddsa-jcs-2022`, `ecdsa-jcs-2019`), a `vc+jwt`
    /// (or VCDM 1.1 VC-JWT) signature, or the signature of a JWT carrying an IETF `status` claim.
    ///
    /// The keys that may verify it: a `did:key` issuer's own key (the DID is the key: no trust decision, no network),
    /// plus the keys of `trust` when given, else those of the issuer's `did:web` (fetched with the client's hardening
    /// and caches). The proof's `verificationMethod` or the JWS `kid` must belong to the issuer: a DID URL of another
    /// DID than the issuer's is refused, and without `trust` only the issuer's own assertion keys can verify. Other securing mechanisms (SD-JWT VC, proof sets, other cryptosuites and algorithms)
    /// are reported as not checked, naming the mechanism.
    /// - Parameters:
    ///   - credential: The parsed credential.
    ///   - trust: The keys the caller trusts for the issuer, or `nil` for the issuer's DID.
    ///   - policy: The cache policy for DID documents and JWKS (``CachePolicy/offline`` uses cached copies only).
    ///   - time: The time proof `created`/`expires` are checked at.
    /// - Returns: What was concluded: ``ProofCheck/State/verified`` with the key, ``ProofCheck/State/failed`` with why,
    ///   ``ProofCheck/State/notVerified`` with what was not checked, or ``ProofCheck/State/absent``.
    public func verifyProof(_ credential: ParsedCredential, trust: TrustSource?, policy: CachePolicy = .useFresh, at time: Date) async -> ProofCheck {
        let mechanism: ProofMechanism
        switch Self.mechanism(of: credential) {
        case .decided(let check): return check
        case .verify(let found): mechanism = found
        }
        let issuer = credential.issuer
        // A proof naming a key of another DID than the issuer's is not the issuer's proof, whatever keys are trusted.
        if let reference = mechanism.keyReference, let controller = Self.controllingDID(of: reference), let issuer,
            issuer.hasPrefix("did:"), controller != issuer
        {
            return ProofCheck(
                state: .failed,
                method: mechanism.name,
                keyID: reference,
                detail: "signed with \(reference), a key of \(controller), not of the issuer \(issuer)"
            )
        }
        // A did:key is its own key, so its keys need no trust decision and no network: they always count. Other
        // issuers' keys come from --trust when given, else from resolving the issuer's did:web.
        var keys = TrustedKeys()
        var sources: [String] = []
        var selfCertifying: (did: String, keys: TrustedKeys)?
        if let issuer, issuer.hasPrefix(DIDKey.prefix), let didKeys = try? TrustedKeys.didKey(issuer) {
            selfCertifying = (issuer, didKeys)
        }
        if let selfCertifying {
            keys.merge(selfCertifying.keys)
            sources.append(selfCertifying.did)
        }
        let resolvable: TrustSource?
        if let trust {
            resolvable = trust
        } else if let issuer, issuer.hasPrefix(DIDWeb.prefix) {
            resolvable = .did(issuer)
        } else if selfCertifying != nil {
            resolvable = nil
        } else {
            return ProofCheck(
                state: .notVerified,
                method: mechanism.name,
                keyID: nil,
                detail: "the issuer \(issuer.map { "'\($0)'" } ?? "(none)") is not a did:web or did:key, so its keys cannot be "
                    + "resolved; pass --trust FILE (the issuer's JWKS, DID document or JWK) to verify the proof"
            )
        }
        if let resolvable {
            do {
                keys.merge(try await client.trustedKeys(for: resolvable, policy: policy))
                sources.append(resolvable.description)
            } catch where selfCertifying == nil {
                let hint =
                    trust == nil
                    ? "pass --trust FILE (the issuer's JWKS, DID document or JWK) when its DID cannot be resolved"
                    : "check the --trust values"
                return ProofCheck(
                    state: .notVerified,
                    method: mechanism.name,
                    keyID: nil,
                    detail: "the issuer's keys are unavailable (\(resolvable)): \(error.reason); \(hint)"
                )
            } catch {
                // The did:key alone can still verify the proof.
            }
        }
        let whose = "the issuer's or the trusted keys (\(sources.joined(separator: ", ")))"
        switch mechanism {
        case .dataIntegrity(let document, let suite, let method):
            guard let key = keys.key(verificationMethod: method) else {
                return ProofCheck(
                    state: .failed,
                    method: mechanism.name,
                    keyID: method,
                    detail: "signed with \(method), which is not a key of \(whose)"
                )
            }
            do {
                _ = try DataIntegrity.verify(document: document, at: time, clockSkew: client.configuration.verification.clockSkew) { _ in key }
                return ProofCheck(state: .verified, method: "Data Integrity \(suite)", keyID: method, detail: "proof verified")
            } catch {
                return Self.failure(error, method: mechanism.name, keyID: method)
            }
        case .jws(let jws, let name):
            guard let key = keys.key(keyID: jws.header.keyID) else {
                let named = jws.header.keyID.map { "kid '\($0)'" } ?? "no kid"
                return ProofCheck(
                    state: .failed,
                    method: name,
                    keyID: jws.header.keyID,
                    detail: "signed with \(named), which is not a key of \(whose)"
                )
            }
            let keyID = jws.header.keyID ?? "thumbprint \(key.thumbprint)"
            do {
                try jws.verify(with: key, expectedType: nil)
                return ProofCheck(state: .verified, method: name, keyID: keyID, detail: "signature verified")
            } catch {
                return Self.failure(error, method: name, keyID: keyID)
            }
        }
    }

    /// A proof Standing verifies, or the conclusion reached without a key.
    enum ProofMechanism {
        /// A Data Integrity proof with a supported cryptosuite.
        case dataIntegrity(document: JSONValue, suite: String, verificationMethod: String)
        /// A JWS with a supported algorithm (`vc+jwt`, VC-JWT, IETF JWT).
        case jws(CompactJWS, name: String)

        var name: String {
            switch self {
            case .dataIntegrity(_, let suite, _): "Data Integrity \(suite)"
            case .jws(_, let name): name
            }
        }

        /// The key the proof names: a verification method or a `kid`.
        var keyReference: String? {
            switch self {
            case .dataIntegrity(_, _, let method): method
            case .jws(let jws, _): jws.header.keyID
            }
        }
    }

    enum ProofInspection {
        case decided(ProofCheck)
        case verify(ProofMechanism)
    }

    /// What securing mechanism the credential uses, and whether Standing verifies it.
    static func mechanism(of credential: ParsedCredential) -> ProofInspection {
        func notChecked(_ method: String?, _ detail: String) -> ProofInspection {
            .decided(ProofCheck(state: .notVerified, method: method, keyID: nil, detail: detail))
        }
        func failed(_ method: String?, _ detail: String) -> ProofInspection {
            .decided(ProofCheck(state: .failed, method: method, keyID: nil, detail: detail))
        }
        switch credential.form {
        case .sdJWT:
            return notChecked("SD-JWT VC", "SD-JWT VC is not supported (issuer signature, disclosures and key binding are not verified)")
        case .w3cJSON:
            guard let document = credential.document, let proof = document["proof"] else {
                return .decided(ProofCheck(state: .absent, method: nil, keyID: nil, detail: "the credential carries no proof (unsigned)"))
            }
            if let proofs = proof.arrayValue {
                return notChecked("Data Integrity", "proof sets (\(proofs.count) proofs) are not supported; one proof object is")
            }
            let type = proof["type"]?.stringValue ?? "untyped"
            guard type == DataIntegrity.proofType else {
                return notChecked(type, "proof type \(type) is not supported (\(DataIntegrity.proofType) is)")
            }
            let suite = proof["cryptosuite"]?.stringValue ?? "none"
            guard supportedCryptosuites.contains(suite) else {
                return notChecked(
                    "Data Integrity \(suite)",
                    "suite \(suite) is not supported (\(supportedCryptosuites.joined(separator: ", ")) are)"
                )
            }
            guard let method = proof["verificationMethod"]?.stringValue, !method.isEmpty else {
                return failed("Data Integrity \(suite)", "the proof names no verificationMethod")
            }
            return .verify(.dataIntegrity(document: document, suite: suite, verificationMethod: method))
        case .w3cJWT, .jwt:
            guard let compact = credential.compactJWS else {
                return .decided(ProofCheck(state: .absent, method: nil, keyID: nil, detail: "plain JSON claims, no signature"))
            }
            let name = credential.form == .w3cJWT ? "vc+jwt" : "JWT"
            let jws: CompactJWS
            do {
                jws = try CompactJWS(parsing: compact)
            } catch {
                return failed(name, "the JWS is malformed: \(error.reason)")
            }
            let algorithm = jws.header.algorithm
            if algorithm.lowercased() == "none" {
                return failed(name, "an unsecured JWT (alg none) carries no signature")
            }
            guard SignatureAlgorithm(rawValue: algorithm) != nil || algorithm == "Ed25519" else {
                return notChecked(name, "JWS alg \(algorithm) is not supported (ES256, ES384 and EdDSA are)")
            }
            return .verify(.jws(jws, name: name))
        }
    }

    /// The DID a key reference belongs to: the part before `#` of a DID URL; `nil` for a bare `kid` or a non-DID URL.
    static func controllingDID(of reference: String) -> String? {
        guard reference.hasPrefix("did:") else { return nil }
        let did = reference.prefix { $0 != "#" && $0 != "?" && $0 != "/" }
        return did.isEmpty ? nil : String(did)
    }

    private static func failure(_ error: SigningError, method: String, keyID: String) -> ProofCheck {
        let detail =
            error.code == .badSignature
            ? "the signature does not verify with \(keyID): the credential was changed after signing, or signed with another key"
            : error.reason
        return ProofCheck(state: .failed, method: method, keyID: keyID, detail: detail)
    }
}
