import ArgumentParser
import Foundation
import NIOHTTP1
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

    /// `standing revoke LIST INDEX`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an entry (set it to 1; final on revocation lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var entry: EntryArguments

        func run() async throws {
            try await setStatus(connection: connection, entry: entry, value: nil, action: "revoke")
        }
    }

    /// `standing suspend LIST INDEX`.
    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an entry (1 on suspension lists, SUSPENDED on IETF status lists).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var entry: EntryArguments

        func run() async throws {
            try await setStatus(connection: connection, entry: entry, value: nil, action: "suspend")
        }
    }

    /// `standing reinstate LIST INDEX`.
    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended entry (set it to 0).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var entry: EntryArguments

        func run() async throws {
            try await setStatus(connection: connection, entry: entry, value: 0)
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

/// Sets one entry. With `action` and no value, the value follows from the list: revoke = 1 (INVALID),
/// suspend = 1 on a suspension list or 2 (SUSPENDED) on an IETF status list.
func setStatus(connection: ConnectionOptions, entry: EntryArguments, value: Int?, action: String? = nil) async throws {
    let client = AdminClient(options: connection)
    let id = listId(from: entry.list)
    let index = entry.index
    let reason = entry.reason
    var newValue = value ?? 1
    if action == "suspend" {
        let info = try await client.send(.GET, "/admin/lists/\(id)") as? [String: Any]
        switch (info?["purpose"] as? String, info?["statusSize"] as? Int ?? 1) {
        case ("suspension", _): newValue = 1
        case ("message", let size) where size >= 2: newValue = 2
        default: throw CLIError("list '\(id)' cannot express suspension; use a suspension list or an IETF status list")
        }
    } else if action == "revoke" {
        let info = try await client.send(.GET, "/admin/lists/\(id)") as? [String: Any]
        if info?["purpose"] as? String == "suspension" { throw CLIError("list '\(id)' is a suspension list; use 'standing suspend'") }
    }
    var body: [String: Any] = ["index": index, "value": newValue]
    if let reason { body["reason"] = reason }
    let result = try await client.send(.POST, "/admin/lists/\(id)/status", body: body)
    if connection.json { return try AdminClient.printJSON(result) }
    // A one-change request is answered with its audit record (`records`), next to the summary counts.
    let answer = result as? [String: Any]
    if let record = (answer?["records"] as? [[String: Any]])?.first {
        let change = "\(record["oldValue"] ?? "") -> \(record["newValue"] ?? "")"
        print("\(id)[\(index)]: \(change) (audit #\(record["id"] ?? ""); published within the publication window)")
    } else if let applied = answer?["applied"] as? Int, applied > 0 {
        print("\(id)[\(index)]: set to \(newValue) (audit #\(answer?["lastAuditId"] ?? ""); published within the publication window)")
    } else {
        print("\(id)[\(index)] already has value \(newValue); nothing changed")
    }
}

func printIndented(_ value: Any?) throws {
    guard let value else { return }
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { print("    " + line) }
}
