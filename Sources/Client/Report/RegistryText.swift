import Foundation
import StandingAPI
import TrustRegistry

// The registry's log, checks and accreditations as the `standing` CLI prints them.

extension RegistryEvent {
    /// One line: sequence number, time, kind, target and hash.
    public var logLine: String {
        "\(seq)  \(RegistryTime.format(at))  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(target)  \(hash)"
    }
}

extension RegistryAuthoring.ImportStep {
    /// One line: `seq N  already recorded`, or the recorded event's sequence number, kind and target.
    public var line: String {
        switch self {
        case .alreadyRecorded(let seq): "seq \(seq)  already recorded"
        case .recorded(let event): "seq \(event.seq)  \(event.kind)  \(event.target)"
        }
    }
}

extension RegistryAuthoring {
    /// The outcome of ``RegistryAuthoring/verify()`` as a relying party reads it.
    public struct VerificationReport: Sendable, Equatable {
        /// Every check, in the order they ran.
        public let checks: [Check]

        /// Creates the report of `checks`.
        public init(checks: [Check]) { self.checks = checks }

        /// How many checks failed.
        public var failures: Int { checks.count { !$0.passed } }

        /// One line a check (`ok` or `FAIL` first), then the verdict: "registry verified" or how many checks failed.
        public var text: String {
            let lines = checks.map { ($0.passed ? "ok    " : "FAIL  ") + $0.line }
            let verdict = failures == 0 ? "registry verified" : "registry verification failed (\(failures) check\(failures == 1 ? "" : "s"))"
            return (lines + [verdict]).joined(separator: "\n")
        }
    }

    /// Runs ``verify()`` and gathers its checks into a report.
    public func verificationReport() async -> VerificationReport {
        VerificationReport(checks: await verify())
    }
}

extension RegistryAuthoring.IssuerAccreditation {
    /// `did`, then each accreditation indented: id, role, status and reason, accreditor, period, scope entries
    /// (or "no accreditations").
    public static func text(of did: String, _ accreditations: [Self]) -> String {
        var lines = [did]
        if accreditations.isEmpty { lines.append("  no accreditations") }
        for entry in accreditations {
            lines.append("  \(entry.id)  \(entry.role ?? entry.issuerType)  \(entry.status)\(entry.reason.map { " (\($0))" } ?? "")")
            lines.append("    accredited by \(entry.accreditedBy)")
            lines.append("    period        \(entry.validFrom ?? "?") .. \(entry.validUntil ?? "?")")
            lines += (entry.scope ?? []).map { "    scope         \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
