import ArgumentParser
import Foundation
import NIOHTTP1
import Store

extension Standing {
    /// `standing lists create|show|ls`.
    struct Lists: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create and inspect status lists.",
            subcommands: [Create.self, Show.self, List.self]
        )

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a status list.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "What the list's bits mean.") var purpose: ListPurpose
            @Option(help: "Bits per entry: 1, 2, 4 or 8 (more than 1 only for message lists).") var statusSize: Int?
            @Option(help: "Entries (at least 131072).") var capacity: Int?
            @Option(help: "Verifier cache time, seconds.") var ttl: Int?
            @Option(help: "Validity of each publication, seconds (at least twice the ttl).") var validity: Int?
            @Option(help: "List id (a-z, 0-9, '-', '_'); random when omitted.") var id: String?
            @Option(help: "Owner issuer (operator tokens only).") var owner: String?
            @Option(parsing: .upToNextOption, help: "Messages of a message list, one per value in order (0x0, 0x1, ...).")
            var message: [String] = []

            func run() async throws {
                var body: [String: Any] = ["purpose": purpose.rawValue]
                if let statusSize { body["statusSize"] = statusSize }
                if let capacity { body["capacity"] = capacity }
                if let ttl { body["ttlSeconds"] = ttl }
                if let validity { body["validitySeconds"] = validity }
                if let id { body["id"] = id }
                if let owner { body["owner"] = owner }
                if !message.isEmpty {
                    body["statusMessages"] = message.enumerated().map { ["status": "0x" + String($0.offset, radix: 16), "message": $0.element] }
                }
                let result = try await AdminClient(options: connection).send(.POST, "/admin/lists", body: body)
                if connection.json { return try AdminClient.printJSON(result) }
                printList(result)
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one list.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The list's id or URL.") var list: String

            func run() async throws {
                let result = try await AdminClient(options: connection).send(.GET, "/admin/lists/\(listId(from: list))")
                if connection.json { return try AdminClient.printJSON(result) }
                printList(result)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the lists you manage.")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let result = try await AdminClient(options: connection).send(.GET, "/admin/lists")
                if connection.json { return try AdminClient.printJSON(result) }
                let lists = (result as? [String: Any])?["lists"] as? [[String: Any]] ?? []
                if lists.isEmpty { return print("no lists") }
                print("ID                 PURPOSE     SIZE  ALLOCATED/CAPACITY  VERSION  OWNER")
                for list in lists {
                    let id = "\(list["id"] ?? "")".padding(toLength: 18, withPad: " ", startingAt: 0)
                    let purpose = "\(list["purpose"] ?? "")".padding(toLength: 11, withPad: " ", startingAt: 0)
                    let size = "\(list["statusSize"] ?? "")".padding(toLength: 5, withPad: " ", startingAt: 0)
                    let usage = "\(list["allocated"] ?? 0)/\(list["capacity"] ?? 0)".padding(toLength: 19, withPad: " ", startingAt: 0)
                    let version = "\(list["publishedVersion"] ?? "-")".padding(toLength: 8, withPad: " ", startingAt: 0)
                    print("\(id) \(purpose) \(size) \(usage) \(version) \(list["owner"] ?? "")")
                }
            }
        }
    }
}

func printList(_ value: Any?) {
    guard let list = value as? [String: Any] else { return }
    print("list        \(list["id"] ?? "")")
    print("url         \(list["url"] ?? "")")
    print("owner       \(list["owner"] ?? "")")
    print("purpose     \(list["purpose"] ?? "")  (\(list["statusSize"] ?? 1)-bit)")
    print("entries     \(list["allocated"] ?? 0) allocated of \(list["capacity"] ?? 0)")
    print("ttl         \(list["ttlSeconds"] ?? "")s, each publication valid \(list["validitySeconds"] ?? "")s")
    print("formats     \((list["formats"] as? [String] ?? []).joined(separator: ", "))")
    print("published   version \(list["publishedVersion"] ?? "-") at \(list["publishedAt"] ?? "-")")
    if let messages = list["statusMessages"] as? [[String: Any]] {
        print("messages    " + messages.map { "\($0["status"] ?? "")=\($0["message"] ?? "")" }.joined(separator: ", "))
    }
}
