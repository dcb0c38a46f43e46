import ArgumentParser
import Client
import Foundation
import StandingAPI
import StatusList

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
                let client = try connection.admin()
                let result =
                    if let list { try await client.allocate(inList: listId(from: list), count: count) } else {
                        try await client.allocate(purpose: purpose ?? .revocation, count: count)
                    }
                if try connection.printJSON(result) { return }
                for entry in result.entries {
                    print("list \(entry.list) index \(entry.index)")
                    print("  credentialStatus (W3C):")
                    try printIndented(entry.credentialStatus)
                    if let status = entry.status {
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
                try await setStatus(connection: connection, entry: entry, change: .value(value))
            }
        }
    }

    /// `standing revoke LIST INDEX` or `standing revoke --credential FILE`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an entry (set it to 1; final on revocation lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, entry: try target.entry(for: .revocation), change: .intent(.revoke))
        }
    }

    /// `standing suspend LIST INDEX` or `standing suspend --credential FILE`.
    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an entry (1 on suspension lists, SUSPENDED on IETF status lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, entry: try target.entry(for: .suspension), change: .intent(.suspend))
        }
    }

    /// `standing reinstate LIST INDEX` or `standing reinstate --credential FILE`.
    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended entry (set it to 0).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, entry: try target.entry(for: .suspension), change: .intent(.reinstate))
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
            let records = try await connection.admin().audit(list: list.map(listId(from:)), after: after, limit: limit)
            if try connection.printJSON(AuditPage(records: records)) { return }
            for record in records {
                let reason = record.reason.map { "  \"\($0)\"" } ?? ""
                let at = record.at.formatted(.iso8601)
                print("#\(record.id) \(at) \(record.actor) \(record.listId)[\(record.index)] \(record.oldValue) -> \(record.newValue)\(reason)")
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

/// Sets one entry to an explicit value, or to what an intent means on its list (the server decides), then waits for
/// the change to be published so the next command (a verification, say) sees it.
func setStatus(connection: ConnectionOptions, entry: EntryArguments, change: StatusChangeKind) async throws {
    let client = try connection.admin()
    let id = listId(from: entry.list)
    let request =
        switch change {
        case .value(let value): SetStatusRequest(index: entry.index, value: value, reason: entry.reason)
        case .intent(let intent): SetStatusRequest(index: entry.index, intent: intent, reason: entry.reason)
        }
    let answer = try await client.setStatus(list: id, request)
    if try connection.printJSON(answer) { return }
    // A one-change request is answered with its audit record (`records`), next to the summary counts.
    let description: String
    if let record = answer.records?.first {
        description = "\(id)[\(entry.index)]: \(record.oldValue) -> \(record.newValue) (audit #\(record.id))"
    } else if answer.applied > 0 {
        description = "\(id)[\(entry.index)]: set to \(answer.value ?? 0) (audit #\(answer.lastAuditId ?? 0))"
    } else {
        return print("\(id)[\(entry.index)] already has value \(answer.value ?? 0); nothing changed")
    }
    // The change is durable now; verifiers see it once the list is republished (within the publication window).
    // Wait for that, and say so loudly if it does not happen.
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if let version = try await client.list(id).publishedVersion, version > answer.publishedVersionBefore ?? 0 {
            return print("\(description); published in version \(version)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw CLIError(
        "\(description) is recorded, but the list was not republished within 10 s, so verifiers still see the old status; "
            + "check the server's /ready and its log")
}

/// What a status command asks for: a value, or an intent the server resolves with the list's rules.
enum StatusChangeKind {
    case value(Int)
    case intent(StatusIntent)
}

/// Prints `value` as indented pretty JSON (a status entry to embed).
func printIndented(_ value: some Encodable) throws {
    for line in String(decoding: try LocalFiles.prettyJSON(value), as: UTF8.self).split(separator: "\n") { print("    " + line) }
}
