import Foundation
import Signing
import StatusList
import StatusListSecuring

extension CredentialReport {
    /// A short human-readable report.
    public var text: String {
        var lines: [String] = []
        let form = credential.form.rawValue
        lines.append("credential  \(form)\(credential.issuer.map { ", issuer \($0)" } ?? "")\(credential.id.map { ", id \($0)" } ?? "")")
        let proofLine: String =
            switch proof.state {
            case .verified: "verified with key \(proof.keyID ?? "?") (\(proof.method ?? "proof"))"
            case .failed: "FAILED (\(proof.method ?? "proof")): \(proof.detail)"
            case .notVerified: "not checked: \(proof.detail)"
            case .absent: "none: \(proof.detail)"
            case .skipped: "not checked: \(proof.detail)"
            }
        lines.append("proof       \(proofLine)")
        if let trust { lines.append("trust       \(trust)") }
        if historical { lines.append("as of       \(XMLDateTime.format(checkedAt)) (historical resolution)") }
        for entry in entries {
            let what = [entry.purpose ?? entry.mechanism, entry.listURL.map { "\($0)" }, entry.index.map { "[\($0)]" }].compactMap { $0 }.joined(
                separator: " "
            )
            if let check = entry.check {
                let message = check.message.map { ", \"\($0)\"" } ?? ""
                lines.append("status      \(what): \(entry.verdict.rawValue.uppercased()) (value \(check.status)\(message))")
                var origin = "list \(check.list.mediaType)"
                if let issuedAt = check.list.issuedAt { origin += ", issued \(XMLDateTime.format(issuedAt))" }
                if let validUntil = check.list.validUntil { origin += ", valid until \(XMLDateTime.format(validUntil))" }
                origin += ", " + (check.fromCache ? "from cache (\(check.source.rawValue))" : "fetched now")
                if check.staleness > 0 { origin += ", \(Int(check.staleness.rounded(.up))) s stale" }
                lines.append("              \(origin)")
            } else if let error = entry.error {
                lines.append("status      \(what): ERROR \(error.kind.rawValue) (\(error.code)): \(error.reason)")
            }
        }
        if let accreditation {
            lines.append("registry    issuer accredited: \(accreditation.summary)")
            lines.append("              \(accreditation.registry)\(accreditation.detail.map { ": \($0)" } ?? "")")
        } else if let accreditationError {
            lines.append("registry    issuer accredited: ERROR \(accreditationError.kind.rawValue): \(accreditationError.reason)")
        }
        for note in notes { lines.append("note        \(note)") }
        lines.append("result      \(verdict.rawValue.uppercased())")
        return lines.joined(separator: "\n")
    }
}
