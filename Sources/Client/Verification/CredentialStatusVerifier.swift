import Foundation
import Signing
import StatusList
import StatusListSecuring

/// Checks a credential's own proof (see ``verifyProof(_:trust:policy:at:)``), every status entry, and optionally the
/// issuer's accreditation, into one ``CredentialReport``. The verdict is ``CredentialReport/Verdict/valid`` only when
/// the proof verified with a key of the issuer and every check passed; a credential whose proof is absent or not
/// checked is ``CredentialReport/Verdict/unverified``, whatever its status, unless ``statusOnly`` is set.
public struct CredentialStatusVerifier: Sendable {
    /// The status client (its caches and configuration apply).
    public let client: StandingClient
    /// The trust registry, when issuer accreditation is to be checked.
    public var accreditation: (any IssuerAccreditationChecking)?
    /// Values that replace the credential's own for the accreditation check.
    public var accreditationOverrides: AccreditationOverrides
    /// Checks the status entries (and accreditation) only: the proof is not checked and the verdict does not depend
    /// on it. The report says so (``ProofCheck/State/skipped``). For callers that verified the proof elsewhere.
    public var statusOnly: Bool

    /// Creates a verifier.
    public init(
        client: StandingClient,
        accreditation: (any IssuerAccreditationChecking)? = nil,
        accreditationOverrides: AccreditationOverrides = AccreditationOverrides(),
        statusOnly: Bool = false
    ) {
        self.client = client
        self.accreditation = accreditation
        self.accreditationOverrides = accreditationOverrides
        self.statusOnly = statusOnly
    }

    /// The accreditation query for a credential: its issuer, types, schema ids, EQF level and jurisdiction (or the
    /// overrides), at its issuance time (or `fallbackTime` when it states none).
    /// - Returns: The query, or `nil` when the credential names no issuer.
    public func accreditationQuery(for credential: ParsedCredential, fallbackTime: Date) -> AccreditationQuery? {
        guard let issuer = credential.issuer else { return nil }
        let overrides = accreditationOverrides
        return AccreditationQuery(
            issuer: issuer,
            credentialTypes: overrides.credentialTypes ?? credential.types,
            schemaIds: overrides.credentialTypes == nil ? credential.schemaIds : [],
            eqfLevel: overrides.eqfLevel ?? credential.eqfLevel,
            jurisdiction: overrides.jurisdiction ?? credential.jurisdiction,
            iscedF: overrides.iscedF,
            time: credential.issuedAt ?? fallbackTime
        )
    }

    /// Verifies a credential: its proof (unless ``statusOnly``), its status entries, its validity period and, with a
    /// registry, its issuer's accreditation.
    /// - Parameters:
    ///   - credential: The parsed credential.
    ///   - trust: The keys lists and the credential must be signed with; `nil` trusts the credential issuer's DID
    ///     (`did:web` or `did:key`) for both. With `nil` (or ``IssuerBindingRequirement/always``), every list must also be
    ///     bound to the credential's issuer (``IssuerBinding``): an entry whose list is not fails with
    ///     ``StatusClientError/Code/issuerNotBound``.
    ///   - options: Cache policy and historical time (the preferred list form follows the credential's form).
    /// - Returns: The report; failures are inside it, never thrown.
    public func verify(_ credential: ParsedCredential, trust: TrustSource?, options: FetchOptions = FetchOptions()) async -> CredentialReport {
        var options = options
        options.preferredFormat = options.preferredFormat ?? credential.preferredFormat
        let now = client.configuration.now()
        let checkTime = options.at ?? now
        var notes: [String] = []
        let effectiveTrust: TrustSource?
        if let trust {
            effectiveTrust = trust
        } else if let issuer = credential.issuer, issuer.hasPrefix(DIDWeb.prefix) || issuer.hasPrefix(DIDKey.prefix) {
            effectiveTrust = .did(issuer)
            notes.append("trusting the issuer's own DID (\(issuer)); pass --trust to choose keys")
        } else {
            effectiveTrust = nil
        }
        let noTrust = StatusClientError(
            .invalidArgument,
            kind: .statusVerificationError,
            "no trust given and the issuer \(credential.issuer.map { "'\($0)'" } ?? "(none)") is not a did:web or did:key; pass --trust"
        )

        let proof: ProofCheck
        if statusOnly {
            proof = ProofCheck(
                state: .skipped,
                method: nil,
                keyID: nil,
                detail: "status-only check requested; the credential's proof was not checked, so nothing shows who issued it"
            )
        } else {
            proof = await verifyProof(credential, trust: trust, policy: options.policy, at: now)
        }
        var entries: [EntryReport] = []
        var listOptions = options
        // The issuer binding: always for lists checked with the issuer's own keys; with a caller's trust source, only
        // when the configuration asks (the caller otherwise vouches for the keys it gives, for lists of any issuer).
        if trust == nil || client.configuration.verification.issuerBinding == .always {
            listOptions.credentialIssuer = credential.issuer
        }
        for reference in credential.statusReferences {
            entries.append(await check(reference, trust: effectiveTrust, noTrust: noTrust, options: listOptions))
        }
        if credential.statusReferences.isEmpty { notes.append("the credential has no status entries") }
        if proof.state == .absent || proof.state == .notVerified {
            notes.append("the credential's proof was not verified, so it is not accepted (--status-only checks the status alone)")
        }

        var expired = false
        if let validUntil = credential.validUntil, validUntil < checkTime {
            expired = true
            notes.append("the credential expired at \(XMLDateTime.format(validUntil))")
        }
        if let validFrom = credential.validFrom, validFrom.timeIntervalSince(checkTime) > client.configuration.verification.clockSkew {
            expired = true
            notes.append("the credential is not valid before \(XMLDateTime.format(validFrom))")
        }

        var accreditationResult: AccreditationResult?
        var accreditationError: ErrorReport?
        if let accreditation {
            if let query = accreditationQuery(for: credential, fallbackTime: checkTime) {
                if credential.issuedAt == nil {
                    notes.append("the credential states no issuance time; the accreditation is checked at \(XMLDateTime.format(checkTime))")
                }
                do {
                    accreditationResult = try await accreditation.accreditation(for: query)
                } catch {
                    accreditationError = ErrorReport(error)
                }
            } else {
                accreditationError = ErrorReport(StatusClientError(.malformed, kind: .malformedValueError, "the credential names no issuer"))
            }
        }

        let verdict = CredentialReport.overallVerdict(
            proof: proof,
            statusOnly: statusOnly,
            entries: entries,
            expired: expired,
            accreditation: accreditationResult,
            accreditationError: accreditationError
        )
        return CredentialReport(
            verdict: verdict,
            credential: .init(form: credential.form, issuer: credential.issuer, id: credential.id, types: credential.types),
            proof: proof,
            entries: entries,
            accreditation: accreditationResult,
            accreditationError: accreditationError,
            trust: effectiveTrust?.description,
            checkedAt: checkTime,
            historical: options.at != nil,
            notes: notes
        )
    }

    private func check(
        _ reference: ParsedCredential.StatusReference,
        trust: TrustSource?,
        noTrust: StatusClientError,
        options: FetchOptions
    ) async
        -> EntryReport
    {
        switch reference {
        case .unusable(let description, let error):
            return EntryReport(mechanism: description, listURL: nil, index: nil, purpose: nil, verdict: .error, check: nil, error: ErrorReport(error))
        case .w3c(let entry):
            return await report(
                mechanism: BitstringStatusListEntry.entryType,
                listURL: entry.statusListCredential,
                index: entry.statusListIndex,
                purpose: entry.statusPurpose.rawValue,
                trust: trust,
                noTrust: noTrust
            ) { trust throws(StatusClientError) in
                let result = try await client.checkStatus(entry, trust: trust, options: options)
                return (result, CredentialReport.Verdict(w3c: result, purpose: entry.statusPurpose))
            }
        case .ietf(let claim):
            return await report(mechanism: "status_list", listURL: claim.uri, index: claim.idx, purpose: nil, trust: trust, noTrust: noTrust) {
                trust throws(StatusClientError) in
                let result = try await client.checkStatus(claim, trust: trust, options: options)
                return (result, CredentialReport.Verdict(ietf: result))
            }
        }
    }

    /// One entry's report: its check's status and verdict, or the error (no trust to check it with, or the check's).
    private func report(
        mechanism: String,
        listURL: String,
        index: Int,
        purpose: String?,
        trust: TrustSource?,
        noTrust: StatusClientError,
        checking: (TrustSource) async throws(StatusClientError) -> (StatusCheck, CredentialReport.Verdict)
    ) async -> EntryReport {
        let outcome: Result<(StatusCheck, CredentialReport.Verdict), StatusClientError>
        if let trust {
            do throws(StatusClientError) {
                outcome = .success(try await checking(trust))
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(noTrust)
        }
        switch outcome {
        case .success(let (check, verdict)):
            return EntryReport(mechanism: mechanism, listURL: listURL, index: index, purpose: purpose, verdict: verdict, check: check, error: nil)
        case .failure(let error):
            return EntryReport(
                mechanism: mechanism,
                listURL: listURL,
                index: index,
                purpose: purpose,
                verdict: .error,
                check: nil,
                error: ErrorReport(error)
            )
        }
    }
}
