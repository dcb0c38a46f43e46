import Foundation
import Signing
import StandingAPI

extension StandingAdminClient {
    /// Allocates `count` entries from the list `list` names (an id or URL), else from the caller's current list for
    /// `purpose` (created when it has none with room).
    public func allocate(fromList list: String?, orPurpose purpose: ListPurpose, count: Int = 1) async throws -> AllocatedEntries {
        if let list { return try await allocate(inList: StatusTarget.listId(from: list), count: count) }
        return try await allocate(purpose: purpose, count: count)
    }
}

extension AllocatedEntries {
    /// The first entry with its W3C `credentialStatus` as JSON, ready to embed in a credential.
    /// - Throws: ``AuthoringError`` when the answer holds no entry.
    public func firstEntryToEmbed() throws -> (entry: AllocatedEntry, credentialStatus: JSONValue) {
        guard let entry = entries.first, let json = try? JSONValue(parsing: try JSONEncoder().encode(entry.credentialStatus)) else {
            throw AuthoringError("the service answered the allocation without a status entry")
        }
        return (entry, json)
    }
}
