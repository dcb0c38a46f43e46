import Foundation
import StandingAPI
import StatusList

/// How record fields are kept in a database column, the same for every ``StatusStore`` (so a copy between stores is a
/// copy of column values): status messages as sorted-key JSON text, purposes and roles by their raw names.
public enum StoredValues {
    /// The JSON text of a list's status messages.
    /// - Throws: ``StoreError/Code/rejected`` when they cannot be encoded.
    public static func encodeStatusMessages(_ messages: [StatusMessage], listId: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(messages), as: UTF8.self)
        } catch {
            throw StoreError(.rejected, "the status messages of list '\(listId)' cannot be encoded: \(error)")
        }
    }

    /// A list's status messages from their stored JSON text.
    /// - Throws: ``StoreError/Code/unavailable`` for malformed text.
    public static func decodeStatusMessages(_ text: String, listId: String) throws -> [StatusMessage] {
        do {
            return try JSONDecoder().decode([StatusMessage].self, from: Data(text.utf8))
        } catch {
            throw StoreError(.unavailable, "list '\(listId)' has malformed status messages")
        }
    }

    /// A list's purpose from its stored name.
    /// - Throws: ``StoreError/Code/unavailable`` for an unknown name.
    public static func purpose(_ name: String, listId: String) throws -> ListPurpose {
        guard let purpose = ListPurpose(rawValue: name) else {
            throw StoreError(.unavailable, "list '\(listId)' has an unknown purpose '\(name)'")
        }
        return purpose
    }

    /// A token's role from its stored name.
    /// - Throws: ``StoreError/Code/unavailable`` for an unknown name.
    public static func role(_ name: String, tokenId: String) throws -> PrincipalRole {
        guard let role = PrincipalRole(rawValue: name) else {
            throw StoreError(.unavailable, "token '\(tokenId)' has an unknown role '\(name)'")
        }
        return role
    }

    /// An entry or audit value from its stored integer.
    /// - Throws: ``StoreError/Code/unavailable`` for a value that is not a byte.
    public static func entryValue(_ stored: Int, _ what: @autoclosure () -> String) throws -> UInt8 {
        guard let value = UInt8(exactly: stored) else {
            throw StoreError(.unavailable, "\(what()) holds an invalid value")
        }
        return value
    }
}
