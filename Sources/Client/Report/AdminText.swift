import Foundation
import StandingAPI
import StatusList

// The admin API's answers as the `standing` CLI prints them, for any program that shows them to a person.

extension ListInfo {
    /// The list in labelled lines: id, URL, owner, purpose and size, allocation, timing, formats, last publication
    /// and, for a message list, its messages.
    public var text: String {
        var lines = [
            "list        \(id)",
            "url         \(url)",
            "owner       \(owner)",
            "purpose     \(purpose.rawValue)  (\(statusSize)-bit)",
            "entries     \(allocated) allocated of \(capacity)",
            "ttl         \(ttlSeconds)s, each publication valid \(validitySeconds)s",
            "formats     \(formats.joined(separator: ", "))",
            "published   version \(publishedVersion.map(String.init) ?? "-") at \(publishedAt.map { $0.formatted(.iso8601) } ?? "-")",
        ]
        if let statusMessages {
            lines.append("messages    " + statusMessages.map { "\($0.status)=\($0.message)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// Lists as a table with a header row (one list a row), or "no lists".
    public static func table(_ lists: [ListInfo]) -> String {
        guard !lists.isEmpty else { return "no lists" }
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        let rows = lists.map { list in
            [
                cell(list.id, 18), cell(list.purpose.rawValue, 11), cell(String(list.statusSize), 5),
                cell("\(list.allocated)/\(list.capacity)", 19), cell(list.publishedVersion.map(String.init) ?? "-", 8), list.owner,
            ].joined(separator: " ")
        }
        return (["ID                 PURPOSE     SIZE  ALLOCATED/CAPACITY  VERSION  OWNER"] + rows).joined(separator: "\n")
    }
}

extension AllocatedEntries {
    /// Each entry's place and the values to embed in a credential: the W3C `credentialStatus` and, for lists
    /// published as IETF Token Status Lists too, the `status` claim, as indented JSON.
    public func text() throws -> String {
        func indented(_ value: some Encodable) throws -> [String] {
            String(decoding: try LocalFiles.prettyJSON(value), as: UTF8.self).split(separator: "\n").map { "    " + $0 }
        }
        var lines = [String]()
        for entry in entries {
            lines.append("list \(entry.list) index \(entry.index)")
            lines.append("  credentialStatus (W3C):")
            lines += try indented(entry.credentialStatus)
            if let status = entry.status {
                lines.append("  status (IETF):")
                lines += try indented(status)
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension AuditRecord {
    /// One line: `#id at actor list[index] old -> new  "reason"`.
    public var line: String {
        let reason = reason.map { "  \"\($0)\"" } ?? ""
        return "#\(id) \(at.formatted(.iso8601)) \(actor) \(listId)[\(index)] \(oldValue) -> \(newValue)\(reason)"
    }
}

extension TokenInfo {
    /// One line: id, role, principal, label, and when it was revoked.
    public var line: String {
        let revoked = revokedAt.map { "  revoked \($0.formatted(.iso8601))" } ?? ""
        return "\(id)  \(role.rawValue)  \(principal)  \(label ?? "")\(revoked)"
    }
}

extension CreatedToken {
    /// Hands the new token's secret over once (the service keeps only its hash): as a line to paste
    /// (`export STANDING_TOKEN=…`), or written to a new file with mode 0600.
    /// - Parameters:
    ///   - secretFile: The new file for the secret; nil shows it in the text instead.
    ///   - show: Receives each line; the token's id comes first, before the file is written, so that a failed write
    ///     still names the token to revoke.
    /// - Throws: ``AuthoringError`` when the file exists or cannot be written.
    public func handOver(secretFile: String?, show: (String) -> Void) throws {
        show("token \(token.id) for \(token.role.rawValue) \(token.principal)")
        if let secretFile {
            try LocalFiles.writeSecretFile(secretFile, Data((secret + "\n").utf8))
            show("secret written to \(secretFile) (mode 0600); use it with: export STANDING_TOKEN=$(cat \(secretFile))")
        } else {
            show("the secret is shown once; to act with this token, run:")
            show("export STANDING_TOKEN=\(secret)")
        }
    }
}

extension StandingAdminClient.StatusOutcome {
    /// The server's answer, whatever the outcome.
    public var answer: StatusChanged {
        switch self {
        case .published(let answer, _), .unchanged(let answer), .notPublished(let answer): answer
        }
    }

    /// What happened to `target`, in one line: the change and the version that published it, that nothing changed,
    /// or that the change is recorded but not yet visible to verifiers (and where to look).
    public func text(for target: StatusTarget) -> String {
        let entry = "\(target.list)[\(target.index)]"
        func change(_ answer: StatusChanged) -> String {
            // A one-change request is answered with its audit record (`records`), next to the summary counts.
            guard let record = answer.records?.first else { return "\(entry): set to \(answer.value ?? 0) (audit #\(answer.lastAuditId ?? 0))" }
            return "\(entry): \(record.oldValue) -> \(record.newValue) (audit #\(record.id))"
        }
        switch self {
        case .published(let answer, let version):
            return "\(change(answer)); published in version \(version)"
        case .unchanged(let answer):
            return "\(entry) already has value \(answer.value ?? 0); nothing changed"
        case .notPublished(let answer):
            return "\(change(answer)) is recorded, but the list was not republished within 10 s, so verifiers still see the old status; "
                + "check the server's /ready and its log"
        }
    }
}
