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
            @OptionGroup var allocation: AllocationOptions
            @Option(help: "How many entries (1-10000).") var count = 1

            func validate() throws {
                guard (allocation.purpose == nil) != (allocation.list == nil) else { throw ValidationError("give exactly one of --purpose and --list") }
            }

            func run() async throws {
                let result = try await allocation.allocate(connection, count: count)
                if try !connection.printJSON(result) { print(try result.text()) }
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
                try await setStatus(
                    connection: connection, target: StatusTarget(list: entry.list, index: entry.index), SetStatusRequest(value: value, reason: entry.reason))
            }
        }
    }

    /// `standing revoke LIST INDEX` or `standing revoke --credential FILE`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an entry (set it to 1; final on revocation lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, target: try target.target(for: .revocation), SetStatusRequest(intent: .revoke, reason: target.reason))
        }
    }

    /// `standing suspend LIST INDEX` or `standing suspend --credential FILE`.
    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an entry (1 on suspension lists, SUSPENDED on IETF status lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, target: try target.target(for: .suspension), SetStatusRequest(intent: .suspend, reason: target.reason))
        }
    }

    /// `standing reinstate LIST INDEX` or `standing reinstate --credential FILE`.
    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended entry (set it to 0).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: EntryOrCredential

        func run() async throws {
            try await setStatus(connection: connection, target: try target.target(for: .suspension), SetStatusRequest(intent: .reinstate, reason: target.reason))
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
            let records = try await connection.admin().audit(list: list.map(StatusTarget.listId(from:)), after: after, limit: limit)
            if try connection.printJSON(AuditPage(records: records)) { return }
            for record in records { print(record.line) }
        }
    }
}

/// Where entries are allocated from: the caller's current list for a purpose, or a named list.
struct AllocationOptions: ParsableArguments {
    @Option(help: "Allocate from your current list for this purpose.") var purpose: ListPurpose?
    @Option(help: "Allocate from this list (id or URL).") var list: String?

    func allocate(_ connection: ConnectionOptions, count: Int = 1) async throws -> AllocatedEntries {
        try await connection.admin().allocate(fromList: list, orPurpose: purpose ?? .revocation, count: count)
    }
}

/// The entry a status command acts on.
struct EntryArguments: ParsableArguments {
    @Argument(help: "The list's id or URL.") var list: String
    @Argument(help: "The entry's index.") var index: Int
    @Option(help: "Why (recorded in the audit log).") var reason: String?
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

    /// The entry: the arguments, or the credential's entry for `purpose`.
    func target(for purpose: StatusPurpose) throws -> StatusTarget {
        guard let credential else { return StatusTarget(list: list ?? "", index: index ?? 0) }
        return try StatusTarget(credential: try LocalFiles.contents(of: credential), name: credential, purpose: purpose)
    }
}

/// Sets one entry and waits for its publication, so the next command (a verification, say) sees it.
func setStatus(connection: ConnectionOptions, target: StatusTarget, _ request: SetStatusRequest) async throws {
    let outcome = try await connection.admin().setStatusAndAwaitPublication(target, request)
    if try connection.printJSON(outcome.answer) { return }
    guard case .notPublished = outcome else { return print(outcome.text(for: target)) }
    throw CLIError(outcome.text(for: target))
}
