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
                if try !connection.printJSON(list) { print(list.text) }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one list.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The list's id or URL.") var list: String

            func run() async throws {
                let info = try await connection.admin().list(StatusTarget.listId(from: list))
                if try !connection.printJSON(info) { print(info.text) }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the lists you manage.")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let lists = try await connection.admin().lists()
                if try connection.printJSON(ListsPage(lists: lists)) { return }
                print(ListInfo.table(lists))
            }
        }
    }
}
