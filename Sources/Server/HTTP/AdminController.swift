import Foundation
import HTTPTypes
import Hummingbird
import StatusList
import Store

/// The management API of status lists: create and inspect lists, allocate entries, change statuses, read the
/// audit log. Every route needs a token; issuers see and change only their own lists.
public struct AdminController<Repository: StatusStore>: Sendable {
    public typealias Context = StandingRequestContext
    let service: StatusService<Repository>
    let published: PublishedLists

    /// Creates the controller.
    public init(service: StatusService<Repository>, published: PublishedLists) {
        self.service = service
        self.published = published
    }

    /// The routes, relative to `/admin`.
    public var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("lists", use: createList)
        routes.get("lists", use: listLists)
        routes.get("lists/:list", use: showList)
        routes.post("lists/:list/entries", use: allocateInList)
        routes.post("entries", use: allocateByPurpose)
        routes.post("lists/:list/status", use: setStatus)
        routes.get("audit", use: audit)
        return routes
    }

    /// A list as the API shows it (never the allocator key).
    public struct ListInfo: Codable, Sendable, Equatable {
        public var id: String
        public var url: String
        public var owner: String
        public var purpose: ListPurpose
        public var statusSize: Int
        public var capacity: Int
        public var allocated: Int
        public var ttlSeconds: Int
        public var validitySeconds: Int
        public var statusMessages: [StatusMessage]?
        public var createdAt: Date
        /// The media types the list is published in.
        public var formats: [String]
        public var publishedVersion: Int?
        public var publishedAt: Date?
    }

    func info(_ list: StatusListDefinition) async -> ListInfo {
        let publication = published.get(list.id)
        return ListInfo(
            id: list.id,
            url: service.listURL(list.id),
            owner: list.owner,
            purpose: list.purpose,
            statusSize: list.statusSize,
            capacity: list.capacity,
            allocated: list.allocated,
            ttlSeconds: list.ttlSeconds,
            validitySeconds: list.validitySeconds,
            statusMessages: list.statusMessages.isEmpty ? nil : list.statusMessages,
            createdAt: list.createdAt,
            formats: SignedPublicationBuilder.formats(for: list).map(\.rawValue),
            publishedVersion: publication?.version,
            publishedAt: publication?.publishedAt
        )
    }

    struct CreateList: StrictRequestBody {
        var id: String?
        var purpose: ListPurpose
        var statusSize: Int?
        var capacity: Int?
        var ttlSeconds: Int?
        var validitySeconds: Int?
        var statusMessages: [StatusMessage]?
        /// The operator may create a list for an issuer.
        var owner: String?
    }

    @Sendable func createList(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let body = try await request.decodeStrict(CreateList.self, context: context)
        let owner: String
        switch (caller.role, body.owner) {
        case (.operator_, let requested?):
            guard Tokens<Repository>.isValidPrincipalId(requested) else {
                throw ServiceError(.invalidValue, "owner must be 1-128 characters without spaces or control characters, got '\(requested)'")
            }
            owner = requested
        case (.operator_, nil): owner = caller.id
        case (_, let owner?) where owner != caller.id:
            throw ServiceError(.forbidden, "an issuer creates lists only for itself")
        default: owner = caller.id
        }
        let parameters = ListParameters(
            id: body.id, purpose: body.purpose, statusSize: body.statusSize, capacity: body.capacity,
            ttlSeconds: body.ttlSeconds, validitySeconds: body.validitySeconds, statusMessages: body.statusMessages)
        let list = try await service.createList(parameters, owner: owner, caller: caller)
        return try jsonResponse(await info(list), status: .created, headers: [.location: service.listURL(list.id)])
    }

    struct ListPage: Encodable {
        let lists: [ListInfo]
    }

    @Sendable func listLists(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        var infos: [ListInfo] = []
        for list in try await service.lists(caller: caller) { infos.append(await info(list)) }
        return try jsonResponse(ListPage(lists: infos))
    }

    @Sendable func showList(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let list = try await service.ownedList(try context.parameters.require("list"), caller: caller)
        return try jsonResponse(await info(list))
    }

    struct Allocate: StrictRequestBody {
        var count: Int?
    }

    struct AllocateByPurpose: StrictRequestBody {
        var purpose: ListPurpose
        var count: Int?
    }

    @Sendable func allocateInList(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let body = try await request.decodeStrict(Allocate.self, context: context)
        let entries = try await service.allocate(listId: try context.parameters.require("list"), count: body.count ?? 1, caller: caller)
        return try jsonResponse(AllocatedEntries(entries: entries), status: .created)
    }

    @Sendable func allocateByPurpose(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.issuer, .operator_)
        let body = try await request.decodeStrict(AllocateByPurpose.self, context: context)
        let entries = try await service.allocate(purpose: body.purpose, count: body.count ?? 1, caller: caller)
        return try jsonResponse(AllocatedEntries(entries: entries), status: .created)
    }

    struct SetStatus: StrictRequestBody {
        var index: Int?
        var value: Int?
        var changes: [Change]?
        var reason: String?
        struct Change: Decodable {
            var index: Int
            var value: Int
        }
    }

    /// The answer to a status change: a summary, plus the audit records for a single change or on request.
    ///
    /// Echoing every record of a large batch would cost more than applying it (6 MB for 50,000 changes); the
    /// records stay readable through `GET /admin/audit?list=...&after=<firstAuditId - 1>`.
    struct StatusChanged: Encodable {
        let list: String
        /// The effective changes, each recorded in the audit log.
        let applied: Int
        /// Changes that were already in effect (no-ops, not recorded).
        let unchanged: Int
        /// The id of the first audit record written; nil when nothing was applied.
        let firstAuditId: Int64?
        /// The id of the last audit record written; nil when nothing was applied.
        let lastAuditId: Int64?
        /// The audit records written, in the order of the changes: for a request with one change, or with
        /// `?details=true`.
        let records: [AuditRecord]?

        init(list: String, requested: Int, records: [AuditRecord], details: Bool) {
            self.list = list
            self.applied = records.count
            self.unchanged = requested - records.count
            self.firstAuditId = records.first?.id
            self.lastAuditId = records.last?.id
            self.records = details ? records : nil
        }
    }

    /// `POST /admin/lists/{id}/status` with `{"index", "value", "reason"?}` or `{"changes": [...], "reason"?}`
    /// (atomic batch). `?details=true|false` includes or leaves out the audit records (default: included for one
    /// change only).
    @Sendable func setStatus(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let listId = try context.parameters.require("list")
        let details: Bool? = try request.uri.queryParameters.get("details").map { raw in
            switch raw {
            case "true": return true
            case "false": return false
            default: throw ServiceError(.badRequest, "details must be 'true' or 'false', got '\(raw.prefix(40))'")
            }
        }
        let body = try await request.decodeStrict(SetStatus.self, context: context)
        let raw: [SetStatus.Change]
        switch (body.index, body.value, body.changes) {
        case (let index?, let value?, nil): raw = [.init(index: index, value: value)]
        case (nil, nil, let changes?): raw = changes
        default: throw ServiceError(.badRequest, "give either 'index' and 'value', or 'changes'")
        }
        let changes = try raw.map { change in
            guard (0...255).contains(change.value) else {
                throw ServiceError(.invalidValue, "value \(change.value) is not a status value (0-255)")
            }
            return EntryChange(index: change.index, value: UInt8(change.value))
        }
        let records = try await service.setStatuses(listId: listId, changes: changes, reason: body.reason, caller: caller)
        return try jsonResponse(
            StatusChanged(list: listId, requested: changes.count, records: records, details: details ?? (changes.count == 1)))
    }

    struct AuditPage: Encodable {
        let records: [AuditRecord]
    }

    @Sendable func audit(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let query = request.uri.queryParameters
        let listId = query.get("list")
        if let listId {
            _ = try await service.ownedList(listId, caller: caller)
        } else if caller.role != .operator_ {
            throw ServiceError(.badRequest, "issuers read the audit log per list: add ?list=ID")
        }
        let after: Int64 = try query.get("after").map { raw in
            guard let value = Int64(raw), value >= 0 else { throw ServiceError(.badRequest, "after must be a non-negative integer") }
            return value
        } ?? 0
        let limit: Int = try query.get("limit").map { raw in
            guard let value = Int(raw), (1...10_000).contains(value) else { throw ServiceError(.badRequest, "limit must be 1-10000") }
            return value
        } ?? 1000
        let records = try await service.store.auditLog(listId: listId, after: after, limit: limit)
        return try jsonResponse(AuditPage(records: records))
    }
}
