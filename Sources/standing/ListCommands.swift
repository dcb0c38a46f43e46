import ArgumentParser
import Client
import Foundation
import StandingAPI
import StatusList

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
                let messages = try message.isEmpty ? nil : message.enumerated().map { try StatusMessage(value: $0.offset, message: $0.element) }
                let request = CreateListRequest(
                    id: id, purpose: purpose, statusSize: statusSize, capacity: capacity, ttlSeconds: ttl, validitySeconds: validity,
                    statusMessages: messages, owner: owner)
                let list = try await connection.admin().createList(request)
                if try !connection.printJSON(list) { printList(list) }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one list.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The list's id or URL.") var list: String

            func run() async throws {
                let info = try await connection.admin().list(StatusTarget.listId(from: list))
                if try !connection.printJSON(info) { printList(info) }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the lists you manage.")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let lists = try await connection.admin().lists()
                if try connection.printJSON(ListsPage(lists: lists)) { return }
                if lists.isEmpty { return print("no lists") }
                print("ID                 PURPOSE     SIZE  ALLOCATED/CAPACITY  VERSION  OWNER")
                for list in lists {
                    let version = list.publishedVersion.map(String.init) ?? "-"
                    print(
                        [
                            list.id.padding(toLength: 18, withPad: " ", startingAt: 0),
                            list.purpose.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0),
                            String(list.statusSize).padding(toLength: 5, withPad: " ", startingAt: 0),
                            "\(list.allocated)/\(list.capacity)".padding(toLength: 19, withPad: " ", startingAt: 0),
                            version.padding(toLength: 8, withPad: " ", startingAt: 0), list.owner,
                        ].joined(separator: " "))
                }
            }
        }
    }
}

func printList(_ list: ListInfo) {
    print("list        \(list.id)")
    print("url         \(list.url)")
    print("owner       \(list.owner)")
    print("purpose     \(list.purpose.rawValue)  (\(list.statusSize)-bit)")
    print("entries     \(list.allocated) allocated of \(list.capacity)")
    print("ttl         \(list.ttlSeconds)s, each publication valid \(list.validitySeconds)s")
    print("formats     \(list.formats.joined(separator: ", "))")
    let publishedAt = list.publishedAt.map { $0.formatted(.iso8601) } ?? "-"
    print("published   version \(list.publishedVersion.map(String.init) ?? "-") at \(publishedAt)")
    if let messages = list.statusMessages {
        print("messages    " + messages.map { "\($0.status)=\($0.message)" }.joined(separator: ", "))
    }
}
