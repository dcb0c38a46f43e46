import Client
import Foundation
import TrustRegistry

/// The verdict page's view: the answer in plain words first, then what it rests on (issuer, accreditation at
/// issuance, the lists read), with links to the machine-readable answers.
struct VerdictPage {
    let words: WebLocalizer
    let state: RegistryState
    let baseURL: String

    /// The page for `outcome`; `statusSince` is when the revoked or suspended entry was set, when known
    /// (``WebController/statusSince(_:)``).
    func view(_ outcome: WebCheckOutcome, statusSince: Date? = nil) -> VerdictView {
        switch outcome {
        case .unchecked(let reason):
            var view = VerdictView(verdict: "error", headline: words("verdict_error"))
            view.explanation = reason.nonEmpty
            return view
        case .report(let report, let accreditationChecked):
            return view(report, accreditationChecked: accreditationChecked, statusSince: statusSince)
        }
    }

    func view(_ report: CredentialReport, accreditationChecked: Bool, statusSince: Date? = nil) -> VerdictView {
        var view = VerdictView(verdict: report.verdict.rawValue, headline: headline(report, since: statusSince))
        if let statusSince, [.revoked, .suspended].contains(report.verdict) {
            view.statusSince = words.date(statusSince)
        }
        view.explanation = explanation(report).nonEmpty
        view.checkedAt = words.dateTime(report.checkedAt).nonEmpty
        view.proof = proofText(report.proof).nonEmpty
        if let issuer = report.credential.issuer {
            view.issuer = issuer.nonEmpty
            if let entity = state.entity(issuer) {
                view.issuerName = (entity.names[words.language.rawValue] ?? entity.displayName).nonEmpty
                view.issuerCountry = entity.country.nonEmpty
                view.issuerHref = "/issuers/" + WebSecurity.pathSegment(issuer)
            }
            view.ebsi = "/trusted-issuers-registry/v5/issuers/" + WebSecurity.pathSegment(issuer)
        }
        view.types = report.credential.types.joined(separator: ", ").nonEmpty
        view.entries = report.entries.map { entry in
            let page = Self.ownListID(entry.listURL, baseURL: baseURL).map { "/lists/" + $0 }
            return VerdictView.Entry(
                mechanism: entry.mechanism,
                purpose: entry.purpose?.nonEmpty,
                index: entry.index.map(words.number),
                verdict: words("verdict_short_\(entry.verdict.rawValue)"),
                list: entry.listURL?.nonEmpty,
                reason: entry.error?.reason.nonEmpty,
                page: page?.nonEmpty
            )
        }
        view.hasEntries = !report.entries.isEmpty
        view.accreditationChecked = accreditationChecked
        if let result = report.accreditation {
            view.accreditationSummary = result.accredited ? words("accredited_yes") : words("accredited_no")
            if let id = result.accreditationId, let record = state.accreditation(id) {
                let pages = RegistryPages(state: state, words: words, now: Date())
                view.accreditation = pages.accreditation(record)
            }
            // The registry's own sentence (in English) only when there is no record to show it in the page's language.
            if view.accreditation == nil || !result.accredited { view.accreditationDetail = result.detail?.nonEmpty }
        } else if let error = report.accreditationError {
            view.accreditationDetail = error.reason.nonEmpty
        }
        return view
    }

    /// The list id of a status list URL of this service (`BASE/status/ID`), or nil for another service's.
    static func ownListID(_ url: String?, baseURL: String) -> String? {
        guard let url, url.hasPrefix(baseURL + "/status/") else { return nil }
        return String(url.dropFirst(baseURL.count + "/status/".count))
    }

    /// The answer in a few words: "Revoked on March 3, 2026" and "Suspended since ..." when the date is known.
    func headline(_ report: CredentialReport, since: Date? = nil) -> String {
        switch report.verdict {
        case .valid: words("verdict_valid")
        case .revoked: since.map { words("verdict_revoked_on", ["date": words.date($0)]) } ?? words("verdict_revoked")
        case .suspended: since.map { words("verdict_suspended_since", ["date": words.date($0)]) } ?? words("verdict_suspended")
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
