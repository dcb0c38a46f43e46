import ArgumentParser
import Client
import Foundation
import NIOHTTP1
import StatusList
import Store

extension Standing {
    /// `standing entries allocate`.
    struct Entries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allocate status entries.", subcommands: [Allocate.self])

        struct Allocate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Allocate entries and print the credentialStatus values to embed.",
                discussion: "With --purpose the service picks (or creates) your current list for that purpose; with --list, that list."
            )
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "Allocate from your current list for this purpose.") var purpose: ListPurpose?
            @Option(help: "A list id or URL.") var list: String?
            @Option(help: "How many entries (1-10000).") var count = 1

            func validate() throws {
                guard (purpose == nil) != (list == nil) else { throw ValidationError("give exactly one of --purpose and --list") }
            }

            func run() async throws {
                let client = AdminClient(options: connection)
                let result =
                    if let list {
                        try await client.send(.POST, "/admin/lists/\(listId(from: list))/entries", body: ["count": count])
                    } else {
                        try await client.send(.POST, "/admin/entries", body: ["purpose": purpose?.rawValue ?? "", "count": count])
                    }
                if connection.json { return try AdminClient.printJSON(result) }
                for entry in (result as? [String: Any])?["entries"] as? [[String: Any]] ?? [] {
                    print("list \(entry["list"] ?? "") index \(entry["index"] ?? "")")
                    print("  credentialStatus (W3C):")
                    try printIndented(entry["credentialStatus"])
                    if let status = entry["status"] {
                        print("  status (IETF):")
                        try printIndented(status)
                    }
                }
            }
        }
    }

    /// `standing status set LIST INDEX VALUE`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change entries' statuses.", subcommands: [Set.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set one entry's status value.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var entry: EntryArguments
            @Argument(help: "The new value.") var value: Int

            func run() async throws {
                try await setStatus(connection: connection, entry: entry, value: value)
            }
        }
    }

    /// `standing revoke LIST INDEX` or `standing revoke --credential FILE`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an entry (set it to 1; final on revocation lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, entry: try target.entry(for: .revocation), value: nil, action: "revoke")
        }
    }

    /// `standing suspend LIST INDEX` or `standing suspend --credential FILE`.
    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an entry (1 on suspension lists, SUSPENDED on IETF status lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, entry: try target.entry(for: .suspension), value: nil, action: "suspend")
        }
    }

    /// `standing reinstate LIST INDEX` or `standing reinstate --credential FILE`.
    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended entry (set it to 0).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, entry: try target.entry(for: .suspension), value: 0)
        }
    }

    /// `standing audit [--list LIST]`.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read the audit log of status changes.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this list (id or URL); required for issuer tokens.") var list: String?
        @Option(help: "Only records after this id.") var after: Int?
        @Option(help: "At most this many records (1-10000).") var limit: Int?

        func run() async throws {
            var query: [String] = []
            if let list { query.append("list=\(listId(from: list))") }
            if let after { query.append("after=\(after)") }
            if let limit { query.append("limit=\(limit)") }
            let path = "/admin/audit" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            let result = try await AdminClient(options: connection).send(.GET, path)
            if connection.json { return try AdminClient.printJSON(result) }
            for record in (result as? [String: Any])?["records"] as? [[String: Any]] ?? [] {
                let reason = (record["reason"] as? String).map { "  \"\($0)\"" } ?? ""
                print("#\(record["id"] ?? "") \(record["at"] ?? "") \(record["actor"] ?? "") \(record["listId"] ?? "")[\(record["index"] ?? "")] \(record["oldValue"] ?? "") -> \(record["newValue"] ?? "")\(reason)")
            }
        }
    }
}

/// The entry a status command acts on.
struct EntryArguments: ParsableArguments {
    @Argument(help: "The list's id or URL.") var list: String
    @Argument(help: "The entry's index.") var index: Int
    @Option(help: "Why (recorded in the audit log).") var reason: String?
}

extension EntryArguments {
    init(list: String, index: Int, reason: String?) {
        self.init()
        self.list = list
        self.index = index
        self.reason = reason
    }
}

/// The entry a revoke, suspend or reinstate acts on: `LIST INDEX`, or the status entry of a credential file.
struct EntryOrCredential: ParsableArguments {
    @Argument(help: "The list's id or URL.") var list: String?
    @Argument(help: "The entry's index.") var index: Int?
    @Option(help: "A credential file (or '-'): act on its status entry instead of LIST INDEX.") var credential: String?
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func validate() throws {
        guard (credential != nil) != (list != nil || index != nil) else {
            throw ValidationError("give LIST INDEX, or --credential FILE")
        }
        if credential == nil, index == nil { throw ValidationError("give the entry's INDEX after LIST") }
    }

    /// The entry: the arguments, or the credential's entry for `purpose` (an IETF `status` claim serves any purpose
    /// its list can express; the service checks the value).
    func entry(for purpose: StatusPurpose) throws -> EntryArguments {
        guard let credential else { return EntryArguments(list: list ?? "", index: index ?? 0, reason: reason) }
        let data: Data
        do {
            data = credential == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: credential))
        } catch {
            throw CLIError("cannot read \(credential): \(error.localizedDescription)")
        }
        let parsed: ParsedCredential
        do {
            parsed = try ParsedCredential(parsing: data)
        } catch {
            throw CLIError("\(credential) is not a credential Standing reads: \(error)")
        }
        var candidates: [(list: String, index: Int)] = []
        for reference in parsed.statusReferences {
            switch reference {
            case .w3c(let entry) where entry.statusPurpose == purpose || entry.statusPurpose == .message:
                candidates.append((entry.statusListCredential, entry.statusListIndex))
            case .ietf(let reference):
                candidates.append((reference.uri, reference.idx))
            default:
                continue
            }
        }
        guard let first = candidates.first else {
            throw CLIError("\(credential) has no \(purpose.rawValue) status entry (nor an IETF status claim)")
        }
        guard candidates.count == 1 else {
            let listed = candidates.map { "\($0.list) \($0.index)" }.joined(separator: ", ")
            throw CLIError("\(credential) has \(candidates.count) status entries that fit (\(listed)): give LIST INDEX")
        }
        return EntryArguments(list: first.list, index: first.index, reason: reason)
    }
}

/// Sets one entry. With `action` and no value, the value follows from the list: revoke = 1 (INVALID),
/// suspend = 1 on a suspension list or 2 (SUSPENDED) on an IETF status list.
func setStatus(connection: ConnectionOptions, entry: EntryArguments, value: Int?, action: String? = nil) async throws {
    let client = AdminClient(options: connection)
    let id = listId(from: entry.list)
    let index = entry.index
    let reason = entry.reason
    var newValue = value ?? 1
    let info = try await client.send(.GET, "/admin/lists/\(id)") as? [String: Any]
    let publishedBefore = info?["publishedVersion"] as? Int ?? 0
    if action == "suspend" {
        switch (info?["purpose"] as? String, info?["statusSize"] as? Int ?? 1) {
        case ("suspension", _): newValue = 1
        case ("message", let size) where size >= 2: newValue = 2
        default: throw CLIError("list '\(id)' cannot express suspension; use a suspension list or an IETF status list")
        }
    } else if action == "revoke" {
        if info?["purpose"] as? String == "suspension" { throw CLIError("list '\(id)' is a suspension list; use 'standing suspend'") }
    }
    var body: [String: Any] = ["index": index, "value": newValue]
    if let reason { body["reason"] = reason }
    let result = try await client.send(.POST, "/admin/lists/\(id)/status", body: body)
    if connection.json { return try AdminClient.printJSON(result) }
    // A one-change request is answered with its audit record (`records`), next to the summary counts.
    let answer = result as? [String: Any]
    let change: String
    if let record = (answer?["records"] as? [[String: Any]])?.first {
        change = "\(id)[\(index)]: \(record["oldValue"] ?? "") -> \(record["newValue"] ?? "") (audit #\(record["id"] ?? ""))"
    } else if let applied = answer?["applied"] as? Int, applied > 0 {
        change = "\(id)[\(index)]: set to \(newValue) (audit #\(answer?["lastAuditId"] ?? ""))"
    } else {
        return print("\(id)[\(index)] already has value \(newValue); nothing changed")
    }
    // The change is durable now; verifiers see it once the list is republished (within the publication window).
    // Wait for that, so the next command (a verification, say) sees it, and say so loudly if it does not happen.
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        let current = try await client.send(.GET, "/admin/lists/\(id)") as? [String: Any]
        if let version = current?["publishedVersion"] as? Int, version > publishedBefore {
            return print("\(change); published in version \(version)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw CLIError(
        "\(change) is recorded, but the list was not republished within 10 s, so verifiers still see the old status; "
            + "check the server's /ready and its log")
}

func printIndented(_ value: Any?) throws {
    guard let value else { return }
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { print("    " + line) }
}
