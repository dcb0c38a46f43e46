import Client
import Foundation
import TrustRegistry

/// The verdict page's values: the answer in plain words first, then what it rests on (issuer, accreditation at
/// issuance, the lists read), with links to the machine-readable answers.
struct VerdictPage {
    let words: WebLocalizer
    let state: RegistryState
    let baseURL: String

    func values(_ outcome: WebCheckOutcome) -> [String: Any] {
        switch outcome {
        case .unchecked(let reason):
            return ["verdict": "error", "headline": words("verdict_error"), "explanation": reason]
        case .report(let report, let accreditationChecked):
            return values(report, accreditationChecked: accreditationChecked)
        }
    }

    func values(_ report: CredentialReport, accreditationChecked: Bool) -> [String: Any] {
        var values: [String: Any] = ["verdict": report.verdict.rawValue, "headline": headline(report)]
        values["explanation"] = explanation(report)
        values["checkedAt"] = words.dateTime(report.checkedAt)
        values["proof"] = proofText(report.proof)
        if let issuer = report.credential.issuer {
            values["issuer"] = issuer
            if let entity = state.entity(issuer) {
                values["issuerName"] = entity.names[words.language.rawValue] ?? entity.displayName
                values["issuerCountry"] = entity.country
                values["issuerHref"] = "/issuers/" + WebSecurity.pathSegment(issuer)
            }
            values["ebsi"] = "/trusted-issuers-registry/v5/issuers/" + WebSecurity.pathSegment(issuer)
        }
        values["types"] = report.credential.types.joined(separator: ", ")
        values["entries"] = report.entries.map { entry -> [String: Any] in
            var row: [String: Any] = [
                "mechanism": entry.mechanism, "purpose": entry.purpose ?? "", "index": entry.index.map(words.number) ?? "",
                "verdict": words("verdict_short_\(entry.verdict.rawValue)"), "list": entry.listURL ?? "",
                "reason": entry.error?.reason ?? "",
            ]
            if let url = entry.listURL, url.hasPrefix(baseURL + "/status/") {
                row["page"] = "/lists/" + String(url.dropFirst(baseURL.count + "/status/".count))
            }
            return row
        }
        values["hasEntries"] = !report.entries.isEmpty
        values["accreditationChecked"] = accreditationChecked
        if let result = report.accreditation {
            values["accredited"] = result.accredited
            values["accreditationSummary"] = result.accredited ? words("accredited_yes") : words("accredited_no")
            if let id = result.accreditationId, let record = state.accreditation(id) {
                let pages = RegistryPages(state: state, words: words, now: Date())
                values["accreditation"] = pages.accreditation(record)
            }
            // The registry's own sentence (in English) only when there is no record to show it in the page's language.
            if values["accreditation"] == nil || !result.accredited { values["accreditationDetail"] = result.detail ?? "" }
        } else if let error = report.accreditationError {
            values["accreditationDetail"] = error.reason
        }
        return values
    }

    func headline(_ report: CredentialReport) -> String {
        switch report.verdict {
        case .valid: words("verdict_valid")
        case .revoked: words("verdict_revoked")
        case .suspended: words("verdict_suspended")
        case .invalid: words("verdict_invalid")
        case .notAccredited: words("verdict_not_accredited")
        case .error, .unverified: words("verdict_error")
        }
    }

    /// Why, in one sentence: for "cannot be checked", the first failure the report names.
    func explanation(_ report: CredentialReport) -> String {
        switch report.verdict {
        case .unverified, .error:
            if report.proof.state == .failed || report.proof.state != .verified && report.verdict == .unverified {
                return words("because_proof", ["detail": report.proof.detail])
            }
            if let failed = report.entries.first(where: { $0.error != nil })?.error { return failed.reason }
            if let error = report.accreditationError { return error.reason }
            return report.notes.first ?? ""
        case .notAccredited:
            return report.accreditation?.detail ?? ""
        default:
            return ""
        }
    }

    func proofText(_ proof: ProofCheck) -> String {
        switch proof.state {
        case .verified: words("proof_verified", ["method": proof.method ?? ""])
        default: proof.detail
        }
    }
}
