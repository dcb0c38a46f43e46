import Foundation
import HTTPTypes
import Hummingbird
import StandingAPI
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

    @Sendable func createList(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let body = try await request.decodeStrict(CreateListRequest.self, context: context)
        let list = try await service.createList(body, caller: caller)
        return try jsonResponse(await info(list), status: .created, headers: [.location: service.listURL(list.id)])
    }

    @Sendable func listLists(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        var infos: [ListInfo] = []
        for list in try await service.lists(caller: caller) { infos.append(await info(list)) }
        return try jsonResponse(ListsPage(lists: infos))
    }

    @Sendable func showList(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let list = try await service.ownedList(try context.parameters.require("list"), caller: caller)
        return try jsonResponse(await info(list))
    }

    @Sendable func allocateInList(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let body = try await request.decodeStrict(AllocateRequest.self, context: context)
        let entries = try await service.allocate(listId: try context.parameters.require("list"), count: body.count ?? 1, caller: caller)
        return try jsonResponse(AllocatedEntries(entries: entries), status: .created)
    }

    @Sendable func allocateByPurpose(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.issuer, .operator_)
        let body = try await request.decodeStrict(AllocateByPurposeRequest.self, context: context)
        let entries = try await service.allocate(purpose: body.purpose, count: body.count ?? 1, caller: caller)
        return try jsonResponse(AllocatedEntries(entries: entries), status: .created)
    }

    /// `POST /admin/lists/{id}/status` with `{"index", "value" | "intent", "reason"?}` or `{"changes": [...], "reason"?}`
    /// (atomic batch); an intent (`revoke`, `suspend`, `reinstate`) is resolved by the list's rules.
    /// `?details=true|false` includes or leaves out the audit records (default: included for one
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
        let body = try await request.decodeStrict(SetStatusRequest.self, context: context)
        // Read before the change is applied, so the change is certainly in a later version (see StatusChanged).
        let publishedBefore = published.get(listId)?.version
        let requested: Int
        let records: [AuditRecord]
        var value: Int?
        switch (body.index, body.value, body.intent, body.changes) {
        case (let index?, nil, let intent?, nil):
            requested = 1
            let resolved = try await service.setStatus(listId: listId, index: index, intent: intent, reason: body.reason, caller: caller)
            (value, records) = (Int(resolved.value), resolved.records)
        case (let index?, let explicit?, nil, nil):
            requested = 1
            value = explicit
            records = try await service.setStatuses(listId: listId, changes: [try Self.change(index: index, value: explicit)], reason: body.reason, caller: caller)
        case (nil, nil, nil, let changes?):
            requested = changes.count
            let entries = try changes.map { try Self.change(index: $0.index, value: $0.value) }
            records = try await service.setStatuses(listId: listId, changes: entries, reason: body.reason, caller: caller)
        default: throw ServiceError(.badRequest, "give 'index' with either 'value' or 'intent', or 'changes'")
        }
        return try jsonResponse(
            StatusChanged(
                list: listId, requested: requested, records: records, details: details ?? (requested == 1), value: value,
                publishedVersionBefore: publishedBefore))
    }

    /// A requested change, its value checked to be a status value at all (the list's rules check the rest).
    static func change(index: Int, value: Int) throws -> EntryChange {
        guard (0...255).contains(value) else { throw ServiceError(.invalidValue, "value \(value) is not a status value (0-255)") }
        return EntryChange(index: index, value: UInt8(value))
    }

    @Sendable func audit(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_, .issuer)
        let query = request.uri.queryParameters
        let listId = query.get("list")
        let after: Int64 = try query.get("after").map { raw in
            guard let value = Int64(raw), value >= 0 else { throw ServiceError(.badRequest, "after must be a non-negative integer") }
            return value
        } ?? 0
        let limit: Int = try query.get("limit").map { raw in
            guard let value = Int(raw), (1...10_000).contains(value) else { throw ServiceError(.badRequest, "limit must be 1-10000") }
            return value
        } ?? 1000
        let records = try await service.auditLog(listId: listId, after: after, limit: limit, caller: caller)
        return try jsonResponse(AuditPage(records: records))
    }
}

extension CreateListRequest: StrictRequestBody {}
extension AllocateRequest: StrictRequestBody {}
extension AllocateByPurposeRequest: StrictRequestBody {}
extension SetStatusRequest: StrictRequestBody {}
