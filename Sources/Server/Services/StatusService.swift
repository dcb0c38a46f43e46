import Crypto
import Foundation
import Metrics
import StandingAPI
import StatusList
import Store

/// Defaults and limits of list creation.
public struct ListDefaults: Sendable {
    /// Entries per list when not given: the W3C herd-privacy floor.
    public var capacity = Bitstring.w3cMinimumEntries
    /// The largest list accepted, in entries.
    public var maximumCapacity = 1 << 24
    /// Verifier cache time, seconds.
    public var ttlSeconds = 300
    /// Validity of each publication, seconds.
    public var validitySeconds = 86_400
    /// What each issuer may create.
    public var issuerQuotas = IssuerQuotas()

    /// Creates the defaults.
    public init() {}
}

/// What one issuer principal may own, bounding the memory an issuer token can make the service hold (every list is
/// kept in memory; see the README's memory model). Lists created by an operator token count towards the owner's use
/// but are not refused: the operator sets the quotas and is trusted with the machine.
public struct IssuerQuotas: Sendable, Equatable {
    /// Lists per issuer (`maxListsPerIssuer`).
    public var maximumLists = 256
    /// Entries per issuer, summed over the capacities of its lists (`maxEntriesPerIssuer`): 256 default-size lists,
    /// or two of the largest.
    public var maximumEntries = 33_554_432

    /// Creates the default quotas.
    public init() {}
}

/// The status-list use cases: create lists, allocate entries, change statuses. Persists through a
/// ``StatusStore`` and hands every committed change to the ``Publisher``.
public actor StatusService<Repository: StatusStore> {
    public let store: Repository
    public let publisher: Publisher
    public let baseURL: String
    public let defaults: ListDefaults
    /// When set (`requireAccreditation`), every write of a non-operator token first asks the trust registry.
    public let accreditation: AccreditationRequirement?
    private var listCreationsInFlight: [String: Task<StatusListDefinition, any Error>] = [:]
    /// Lists and entries per owner, read from the store once and then kept up to date here, so that checking a quota
    /// and counting the new list happen in one step of the actor (no two creations can both take the last slot).
    private var usageByOwner: [String: (lists: Int, entries: Int)] = [:]

    /// Creates the service.
    /// - Parameters:
    ///   - store: The system of record.
    ///   - publisher: Builds and swaps publications after changes.
    ///   - baseURL: The public base URL; lists live at `{baseURL}/status/{id}`.
    ///   - defaults: Creation defaults and limits.
    ///   - accreditation: When given, issuer tokens create lists, allocate and change statuses only while their
    ///     principal is an active accredited issuer in the trust registry.
    public init(
        store: Repository, publisher: Publisher, baseURL: String, defaults: ListDefaults = ListDefaults(),
        accreditation: AccreditationRequirement? = nil
    ) {
        self.store = store
        self.publisher = publisher
        self.baseURL = baseURL
        self.defaults = defaults
        self.accreditation = accreditation
    }

    /// The public URL of a list.
    public nonisolated func listURL(_ id: String) -> String { "\(baseURL)/status/\(id)" }

    /// Validates the request and creates the list, then publishes it (all entries 0).
    ///
    /// The list belongs to the caller; an operator may name another owner (`request.owner`), an issuer only itself.
    /// Anything the request leaves out takes the service default.
    /// - Parameter caller: Who asks; an issuer is held to its ``IssuerQuotas``, an operator is not.
    /// - Throws: ``ServiceError`` (`badRequest`, `invalidValue`, `forbidden` for an issuer naming another owner,
    ///   `conflict`, `quotaExceeded`, `notAccredited`; `unavailable` while publication is failing, or when the list was
    ///   created but its first publication failed).
    public func createList(_ request: CreateListRequest, caller: Principal, now: Date = Date()) async throws -> StatusListDefinition {
        try await accreditation?.check(caller, action: "create lists", now: now)
        let owner: String
        switch (caller.role, request.owner) {
        case (.operator_, let requested?):
            guard Tokens<Repository>.isValidPrincipalId(requested) else {
                throw ServiceError(.invalidValue, "owner must be 1-128 characters without spaces or control characters, got '\(requested)'")
            }
            owner = requested
        case (_, let requested?) where requested != caller.id:
            throw ServiceError(.forbidden, "an issuer creates lists only for itself")
        default:
            owner = caller.id
        }
        return try await createList(request, owner: owner, caller: caller, now: now)
    }

    /// Creates a list owned by `owner` (already authorised), then publishes it.
    private func createList(_ parameters: CreateListRequest, owner: String, caller: Principal, now: Date) async throws
        -> StatusListDefinition
    {
        try refuseWhilePublicationFails("creating a list")
        let definition = try makeDefinition(parameters, owner: owner, now: now)
        try await reserveQuota(for: definition, enforced: caller.role != .operator_)
        do {
            try await store.createList(definition)
        } catch {
            usageByOwner[owner]?.lists -= 1
            usageByOwner[owner]?.entries -= definition.capacity
            if let error = error as? StoreError, error.code == .conflict {
                throw ServiceError(.conflict, "a list with id '\(definition.id)' exists already")
            }
            throw error
        }
        do {
            try await publisher.register(definition, entries: [])
        } catch {
            throw ServiceError(
                .unavailable,
                "list '\(definition.id)' was created, but its first publication failed (\(error)); the publisher retries and "
                    + "publishes it when publication recovers (GET /ready reports the failure until then)")
        }
        return definition
    }

    /// Counts `definition` towards its owner's use, first checking the quotas when `enforced`.
    private func reserveQuota(for definition: StatusListDefinition, enforced: Bool) async throws {
        let owner = definition.owner
        if usageByOwner[owner] == nil {
            let owned = try await store.lists(owner: owner)
            // Another creation may have loaded (and counted into) the usage while this read ran; that one is current.
            if usageByOwner[owner] == nil { usageByOwner[owner] = (owned.count, owned.reduce(0) { $0 + $1.capacity }) }
        }
        let used = usageByOwner[owner] ?? (0, 0)
        let quotas = defaults.issuerQuotas
        if enforced {
            guard used.lists < quotas.maximumLists else {
                throw ServiceError(
                    .quotaExceeded,
                    "issuer '\(owner)' owns \(used.lists) lists, its quota is \(quotas.maximumLists); the operator can raise it with "
                        + "the setting maxListsPerIssuer (STANDING_MAX_LISTS_PER_ISSUER)")
            }
            guard used.entries + definition.capacity <= quotas.maximumEntries else {
                throw ServiceError(
                    .quotaExceeded,
                    "issuer '\(owner)' owns \(used.entries) entries in \(used.lists) lists; \(definition.capacity) more would exceed its "
                        + "quota of \(quotas.maximumEntries) entries; ask for a smaller capacity, or the operator can raise the "
                        + "setting maxEntriesPerIssuer (STANDING_MAX_ENTRIES_PER_ISSUER)")
            }
        }
        usageByOwner[owner] = (used.lists + 1, used.entries + definition.capacity)
    }

    /// Refuses a write that would need a publication while publication is failing: acknowledging it would promise a
    /// change verifiers cannot see.
    private func refuseWhilePublicationFails(_ what: String) throws {
        guard let problem = publisher.health.problem() else { return }
        throw ServiceError(
            .unavailable,
            "\(what) is refused until publication recovers, so that nothing is acknowledged that verifiers cannot see; "
                + "changes acknowledged earlier are kept and published then. Cause: \(problem)")
    }

    func makeDefinition(_ parameters: CreateListRequest, owner: String, now: Date) throws -> StatusListDefinition {
        let purpose = parameters.purpose
        let statusSize = parameters.statusSize ?? (purpose == .message ? 2 : 1)
        guard [1, 2, 4, 8].contains(statusSize) else {
            throw ServiceError(.invalidValue, "statusSize must be 1, 2, 4 or 8, not \(statusSize)")
        }
        guard statusSize == 1 || purpose == .message else {
            throw ServiceError(.invalidValue, "statusSize \(statusSize) needs purpose 'message'; '\(purpose.rawValue)' lists are 1 bit")
        }
        let messages: [StatusMessage]
        if purpose == .message {
            messages = parameters.statusMessages ?? ListRules.ietfStatusTypeMessages(statusSize: statusSize)
            let expected = 1 << statusSize
            guard messages.count == expected else {
                throw ServiceError(.invalidValue, "a \(statusSize)-bit message list needs \(expected) statusMessages, got \(messages.count)")
            }
            for (value, message) in messages.enumerated() where message.value != value {
                throw ServiceError(.invalidValue, "statusMessages[\(value)].status must be \"0x\(String(value, radix: 16))\", got \"\(message.status)\"")
            }
        } else {
            guard parameters.statusMessages?.isEmpty ?? true else {
                throw ServiceError(.invalidValue, "statusMessages are only for purpose 'message'")
            }
            messages = []
        }
        let capacity = parameters.capacity ?? defaults.capacity
        guard capacity >= Bitstring.w3cMinimumEntries else {
            throw ServiceError(.invalidValue, "capacity must be at least \(Bitstring.w3cMinimumEntries) entries (W3C herd-privacy floor), got \(capacity)")
        }
        guard capacity <= defaults.maximumCapacity else {
            throw ServiceError(.invalidValue, "capacity must be at most \(defaults.maximumCapacity) entries, got \(capacity)")
        }
        guard capacity % 8 == 0 else {
            throw ServiceError(.invalidValue, "capacity must be a multiple of 8, got \(capacity)")
        }
        let ttl = parameters.ttlSeconds ?? defaults.ttlSeconds
        guard (1...31_536_000).contains(ttl) else {
            throw ServiceError(.invalidValue, "ttlSeconds must be between 1 and 31536000, got \(ttl)")
        }
        let validity = parameters.validitySeconds ?? max(defaults.validitySeconds, 2 * ttl)
        guard validity >= 2 * ttl, validity <= 10 * 31_536_000 else {
            throw ServiceError(.invalidValue, "validitySeconds must be at least twice ttlSeconds (\(2 * ttl)) and at most 10 years, got \(validity)")
        }
        let id = parameters.id ?? Self.randomListId()
        guard Self.isValidListId(id) else {
            throw ServiceError(
                .invalidValue, "list id must be 1-64 characters of a-z, 0-9, '-' and '_', other than '\(StatusAggregation.segment)', got '\(id)'")
        }
        return StatusListDefinition(
            id: id,
            owner: owner,
            purpose: purpose,
            statusSize: statusSize,
            capacity: capacity,
            ttlSeconds: ttl,
            validitySeconds: validity,
            statusMessages: messages,
            allocatorKey: Array(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }),
            createdAt: now
        )
    }

    static func isValidListId(_ id: String) -> Bool {
        // `/status/aggregation` is the Status List Aggregation, not a list.
        id != StatusAggregation.segment && (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }
    }

    static func randomListId() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz23456789")
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// Allocates `count` entries in a given list.
    /// - Throws: ``ServiceError`` `notFound`, `forbidden` (not the caller's list), `listFull`, `invalidValue`,
    ///   `notAccredited`.
    public func allocate(listId: String, count: Int, caller: Principal) async throws -> [AllocatedEntry] {
        try await accreditation?.check(caller, action: "allocate entries")
        let list = try await ownedList(listId, caller: caller)
        return try await allocate(in: list, count: count)
    }

    /// Allocates `count` entries in the caller's current list for `purpose`, creating a list with the defaults
    /// when there is none and rolling over to a new one when the current list is full.
    public func allocate(purpose: ListPurpose, count: Int, caller: Principal) async throws -> [AllocatedEntry] {
        try await accreditation?.check(caller, action: "allocate entries")
        guard (1...10_000).contains(count) else {
            throw ServiceError(.invalidValue, "count must be between 1 and 10000, got \(count)")
        }
        let owner = caller.id
        let candidates = try await store.lists(owner: owner).filter { $0.purpose == purpose && $0.capacity - $0.allocated >= count }
        if let current = candidates.last {
            do {
                return try await allocate(in: current, count: count)
            } catch let error as ServiceError where error.code == .listFull {
                // Raced with another allocation; fall through to a fresh list.
            }
        }
        let fresh = try await newDefaultList(owner: owner, purpose: purpose, caller: caller)
        return try await allocate(in: fresh, count: count)
    }

    /// Creates one default list per (owner, purpose) at a time, so concurrent roll-overs share it.
    private func newDefaultList(owner: String, purpose: ListPurpose, caller: Principal) async throws -> StatusListDefinition {
        let key = "\(owner)\u{0}\(purpose.rawValue)"
        if let inFlight = listCreationsInFlight[key] {
            return try await inFlight.value
        }
        let task = Task { try await self.createList(CreateListRequest(purpose: purpose), owner: owner, caller: caller, now: Date()) }
        listCreationsInFlight[key] = task
        defer { listCreationsInFlight[key] = nil }
        return try await task.value
    }

    private func allocate(in list: StatusListDefinition, count: Int) async throws -> [AllocatedEntry] {
        guard (1...10_000).contains(count) else {
            throw ServiceError(.invalidValue, "count must be between 1 and 10000, got \(count)")
        }
        let first: Int
        do {
            first = try await store.reserveSequences(listId: list.id, count: count)
        } catch let error as StoreError where error.code == .listFull {
            throw ServiceError(.listFull, "list '\(list.id)' has fewer than \(count) unallocated entries")
        }
        let allocator = try IndexAllocator(key: list.allocatorKey, capacity: list.capacity)
        let rules = ListRules(list)
        let url = listURL(list.id)
        Gauge(label: "standing_list_allocated_entries", dimensions: [("list", list.id)]).record(first + count)
        Gauge(label: "standing_list_capacity_entries", dimensions: [("list", list.id)]).record(list.capacity)
        return try (first..<(first + count)).map { sequence in
            let index = try allocator.index(forSequence: sequence)
            return AllocatedEntry(
                list: list.id,
                index: index,
                listURL: url,
                credentialStatus: try entry(for: list, index: index, url: url),
                status: rules.ietfExpressible ? StatusClaim(statusList: try StatusListReference(idx: index, uri: url)) : nil
            )
        }
    }

    private func entry(for list: StatusListDefinition, index: Int, url: String) throws -> BitstringStatusListEntry {
        try BitstringStatusListEntry(
            id: "\(url)#\(index)",
            statusPurpose: StatusPurpose(rawValue: list.purpose.rawValue),
            statusListIndex: index,
            statusListCredential: url,
            statusSize: list.statusSize,
            statusMessage: list.statusMessages.isEmpty ? nil : list.statusMessages
        )
    }

    /// Sets entries of a list atomically and records each change in the audit log.
    ///
    /// Validates every change (range, allocation, purpose rules) before anything is written; returns once the
    /// change is durable. The publisher makes it visible within its coalescing window.
    /// - Throws: ``ServiceError`` (`notAccredited` among them).
    public func setStatuses(listId: String, changes: [EntryChange], reason: String?, caller: Principal, now: Date = Date())
        async throws -> [AuditRecord]
    {
        try await accreditation?.check(caller, action: "change statuses", now: now)
        return try await applyStatuses(listId: listId, changes: changes, reason: reason, caller: caller, now: now)
    }

    /// ``setStatuses(listId:changes:reason:caller:now:)`` once the caller's accreditation has been checked.
    private func applyStatuses(listId: String, changes: [EntryChange], reason: String?, caller: Principal, now: Date)
        async throws -> [AuditRecord]
    {
        guard !changes.isEmpty else { throw ServiceError(.badRequest, "no changes given") }
        guard changes.count <= 1_000_000 else { throw ServiceError(.invalidValue, "at most 1000000 changes per request") }
        if let reason, reason.utf8.count > 1000 { throw ServiceError(.invalidValue, "reason is longer than 1000 bytes") }
        try refuseWhilePublicationFails("changing statuses")
        let list = try await ownedList(listId, caller: caller)
        let allocator = try IndexAllocator(key: list.allocatorKey, capacity: list.capacity)
        for change in changes {
            guard (0..<list.capacity).contains(change.index) else {
                throw ServiceError(.rangeError, "index \(change.index) is outside list '\(list.id)' (0...\(list.capacity - 1))")
            }
        }
        let rules = ListRules(list)
        for change in changes {
            let sequence = try allocator.sequence(forIndex: change.index)
            // `ownedList` has just read the list from the store, so `allocated` is current.
            guard sequence < list.allocated else {
                throw ServiceError(.invalidValue, "index \(change.index) of list '\(list.id)' has not been allocated")
            }
        }
        let records: [AuditRecord]
        do {
            records = try await store.applyChanges(
                listId: list.id,
                changes: changes,
                actor: caller.id,
                reason: reason,
                at: now,
                validate: { change, current in try rules.validate(change, current: current) }
            )
        } catch let error as StoreError where error.code == .notFound {
            throw ServiceError(.notFound, "no list '\(listId)'")
        }
        if !records.isEmpty {
            await publisher.apply(listId: list.id, changes: records.map { EntryChange(index: $0.index, value: $0.newValue) })
        }
        return records
    }

    /// Sets one entry to the value `intent` stands for on its list (``ListRules/value(for:listId:)``), recording it
    /// in the audit log like ``setStatuses(listId:changes:reason:caller:now:)``.
    /// - Returns: The value the intent stood for, and the audit record (none when the entry had that value already).
    /// - Throws: ``ServiceError`` `invalidValue` when the list cannot express the intent; the errors of
    ///   ``setStatuses(listId:changes:reason:caller:now:)``.
    public func setStatus(listId: String, index: Int, intent: StatusIntent, reason: String?, caller: Principal, now: Date = Date())
        async throws -> (value: UInt8, records: [AuditRecord])
    {
        try await accreditation?.check(caller, action: "change statuses", now: now)
        let list = try await ownedList(listId, caller: caller)
        let value = try ListRules(list).value(for: intent, listId: list.id)
        let change = EntryChange(index: index, value: value)
        return (value, try await applyStatuses(listId: listId, changes: [change], reason: reason, caller: caller, now: now))
    }

    /// Audit records after `after` (at most `limit`), of one list or, for the operator, of every list.
    /// - Throws: ``ServiceError`` `badRequest` when an issuer asks without a list; the errors of
    ///   ``ownedList(_:caller:)``.
    public func auditLog(listId: String?, after: Int64, limit: Int, caller: Principal) async throws -> [AuditRecord] {
        if let listId {
            _ = try await ownedList(listId, caller: caller)
        } else if caller.role != .operator_ {
            throw ServiceError(.badRequest, "issuers read the audit log per list: add ?list=ID")
        }
        return try await store.auditLog(listId: listId, after: after, limit: limit)
    }

    /// The list if it exists and the caller may manage it.
    public func ownedList(_ listId: String, caller: Principal) async throws -> StatusListDefinition {
        guard let list = try await store.list(id: listId) else {
            throw ServiceError(.notFound, "no list '\(listId)'")
        }
        guard caller.role == .operator_ || caller.id == list.owner else {
            // Same answer as for a missing list would hide existence; a 403 is clearer for a caller who holds
            // a valid token, and list ids are public anyway (they are in every credential).
            throw ServiceError(.forbidden, "list '\(listId)' belongs to another issuer")
        }
        return list
    }

    /// The lists the caller may see: all for the operator, its own for an issuer.
    public func lists(caller: Principal) async throws -> [StatusListDefinition] {
        try await store.lists(owner: caller.role == .operator_ ? nil : caller.id)
    }
}

/// The authenticated caller of an admin request.
public struct Principal: Sendable, Hashable {
    /// The principal id: an issuer or body id, or `operator`.
    public var id: String
    public var role: PrincipalRole

    /// Creates a principal.
    public init(id: String, role: PrincipalRole) {
        self.id = id
        self.role = role
    }
}
