import Foundation
import Signing
import StatusList

/// The wallet snapshot (`GET /registry/v1/snapshot`): every entity, accreditation (canonical record without evidence,
/// `status` derived at `issuedAt`) and recognition, with the sequence number and log head it reflects.
///
/// Signed as a compact JWS with `typ` `registry-snapshot-v2+jwt` whose payload is the compact version-2 JSON (see
/// ``compactPayload()``) compressed with raw DEFLATE: the protected header says so with `zip` `DEF` (the JWE member,
/// RFC 7516 §4.1.3) listed in `crit`, so a JOSE library that does not inflate refuses it instead of misreading it.
/// The `Codable` form (RFC 3339 dates, named members) is the one the change feed's entries use.
public struct WalletSnapshot: Codable, Sendable, Hashable {
    /// The JOSE `typ` of a signed snapshot (format version 2; version 1, `registry-snapshot+jwt`, was the
    /// uncompressed `Codable` JSON).
    public static let mediaType = "registry-snapshot-v2+jwt"
    /// The largest inflated payload a verifier accepts (a guard against compression bombs): 256 MiB.
    public static let maximumPayloadBytes = 256 << 20

    /// The sequence number reflected.
    public var seq: Int
    /// When the snapshot was made.
    public var issuedAt: Date
    /// When a wallet should fetch again at the latest.
    public var nextUpdate: Date
    /// The root authority's DID.
    public var rootAuthority: String
    /// The log head hash at `seq`.
    public var head: String
    /// Entities in DID order.
    public var entities: [Entity]
    /// Accreditations in id order.
    public var records: [CanonicalAccreditation]
    /// Recognitions in id order.
    public var recognitions: [Recognition]

    private enum CodingKeys: String, CodingKey {
        case seq, issuedAt, nextUpdate, rootAuthority, head, entities, records, recognitions
    }

    /// Creates a snapshot.
    /// - Parameters:
    ///   - seq: Sequence number.
    ///   - issuedAt: Issue time.
    ///   - nextUpdate: Next update.
    ///   - rootAuthority: Root DID.
    ///   - head: Log head.
    ///   - entities: Entities.
    ///   - records: Records.
    ///   - recognitions: Recognitions.
    public init(
        seq: Int,
        issuedAt: Date,
        nextUpdate: Date,
        rootAuthority: String,
        head: String,
        entities: [Entity],
        records: [CanonicalAccreditation],
        recognitions: [Recognition]
    ) {
        self.seq = seq
        self.issuedAt = RegistryTime.truncated(issuedAt)
        self.nextUpdate = RegistryTime.truncated(nextUpdate)
        self.rootAuthority = rootAuthority
        self.head = head
        self.entities = entities
        self.records = records
        self.recognitions = recognitions
    }

    /// Decodes a snapshot (times as RFC 3339 strings).
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int.self, forKey: .seq)
        issuedAt = try container.decodeRegistryTime(forKey: .issuedAt)
        nextUpdate = try container.decodeRegistryTime(forKey: .nextUpdate)
        rootAuthority = try container.decode(String.self, forKey: .rootAuthority)
        head = try container.decode(String.self, forKey: .head)
        entities = try container.decode([Entity].self, forKey: .entities)
        records = try container.decode([CanonicalAccreditation].self, forKey: .records)
        recognitions = try container.decode([Recognition].self, forKey: .recognitions)
    }

    /// Encodes the snapshot.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(RegistryTime.format(issuedAt), forKey: .issuedAt)
        try container.encode(RegistryTime.format(nextUpdate), forKey: .nextUpdate)
        try container.encode(rootAuthority, forKey: .rootAuthority)
        try container.encode(head, forKey: .head)
        try container.encode(entities, forKey: .entities)
        try container.encode(records, forKey: .records)
        try container.encode(recognitions, forKey: .recognitions)
    }

    /// The compact version-2 payload: no repeated member names, every string once in a table, dates as
    /// NumericDate, derived statuses left out (a reader derives them at `issuedAt`). Canonical JSON (RFC 8785).
    /// - Returns: The payload bytes (before compression).
    /// - Throws: ``RegistryError/Code/malformed`` if a member does not encode.
    public func compactPayload() throws(RegistryError) -> Data {
        try WalletSnapshotEncoding.encode(self)
    }

    /// Reads a compact version-2 payload; statuses are derived at its `issuedAt`.
    /// - Parameter compactPayload: The payload bytes (inflated).
    /// - Throws: ``RegistryError/Code/malformed`` for another version or any member out of shape.
    public init(compactPayload: Data) throws(RegistryError) {
        self = try WalletSnapshotEncoding.decode(compactPayload)
    }

    /// Applies a change feed: what a wallet does to stay current without downloading a new snapshot. Entities,
    /// records and recognitions are updated from the feed's entries, then every `status` is re-derived at
    /// `issuedAt`, so the result equals the snapshot the registry would publish at `feed.toSeq` and `issuedAt`.
    /// - Parameters:
    ///   - feed: A feed with `fromSeq` equal to this snapshot's `seq`.
    ///   - issuedAt: The new snapshot's issue time.
    ///   - nextUpdate: The new snapshot's next update.
    /// - Returns: The updated snapshot.
    /// - Throws: ``RegistryError/Code/conflict`` when the feed does not start at this snapshot, is for another
    ///   registry or has a gap; ``RegistryError/Code/malformed`` for an entry that does not fit (a change to an
    ///   unknown record).
    public func applying(_ feed: ChangeFeed, issuedAt: Date, nextUpdate: Date) throws(RegistryError) -> WalletSnapshot {
        guard feed.fromSeq == seq else {
            throw RegistryError(.conflict, "the change feed starts after seq \(feed.fromSeq), the snapshot is at seq \(seq)")
        }
        guard feed.rootAuthority == rootAuthority else { throw RegistryError(.conflict, "the change feed is for another registry") }
        var entitiesByDID = Dictionary(uniqueKeysWithValues: entities.map { ($0.did, $0) })
        var recordsByID = Dictionary(uniqueKeysWithValues: records.map { ($0.accreditationId, $0) })
        var recognitionsByID = Dictionary(uniqueKeysWithValues: recognitions.map { ($0.recognitionId, $0) })
        var expected = seq + 1
        for entry in feed.events {
            guard entry.seq == expected else { throw RegistryError(.conflict, "the change feed has a gap at seq \(expected)") }
            expected += 1
            if let entity = entry.entity { entitiesByDID[entity.did] = entity }
            if let record = entry.record { recordsByID[record.accreditationId] = record }
            if let recognition = entry.recognition { recognitionsByID[recognition.recognitionId] = recognition }
            if let change = entry.change, let id = entry.id {
                if recordsByID[id] != nil {
                    recordsByID[id]?.statusHistory.append(change)
                } else if recognitionsByID[id] != nil {
                    recognitionsByID[id]?.statusHistory.append(change)
                } else {
                    throw RegistryError(.malformed, "change feed entry \(entry.seq) changes unknown id \(id)")
                }
            }
        }
        guard expected - 1 == feed.toSeq else { throw RegistryError(.conflict, "the change feed ends before its toSeq \(feed.toSeq)") }
        let time = RegistryTime.truncated(issuedAt)
        return WalletSnapshot(
            seq: feed.toSeq,
            issuedAt: time,
            nextUpdate: nextUpdate,
            rootAuthority: rootAuthority,
            head: feed.head,
            entities: entitiesByDID.keys.sorted().compactMap { entitiesByDID[$0] },
            records: recordsByID.keys.sorted().compactMap { recordsByID[$0]?.rederived(at: time) },
            recognitions: recognitionsByID.keys.sorted().compactMap { recognitionsByID[$0]?.rederived(at: time) }
        )
    }
}

/// One entry of a change feed: the event's sequence number, time and kind, and what it changed.
public struct ChangeEntry: Codable, Sendable, Hashable {
    /// The event's sequence number.
    public var seq: Int
    /// The event's time.
    public var at: Date
    /// The event's kind (`initialise`, `accredit`, `suspend`, `reinstate`, `revoke`, `updateEntity`, `recognise`).
    public var op: StatementKind
    /// The accreditation or recognition id (or the DID for `updateEntity`).
    public var id: String?
    /// A new or updated entity.
    public var entity: Entity?
    /// A new accreditation, as created (its first status entry only).
    public var record: CanonicalAccreditation?
    /// A new recognition, as created.
    public var recognition: Recognition?
    /// A lifecycle change of the record or recognition `id`.
    public var change: StatusChange?

    private enum CodingKeys: String, CodingKey { case seq, at, op, id, entity, record, recognition, change }

    /// Creates an entry.
    /// - Parameters:
    ///   - seq: Sequence number.
    ///   - at: Time.
    ///   - op: Kind.
    ///   - id: Target id.
    ///   - entity: Entity.
    ///   - record: New record.
    ///   - recognition: New recognition.
    ///   - change: Lifecycle change.
    public init(
        seq: Int,
        at: Date,
        op: StatementKind,
        id: String?,
        entity: Entity? = nil,
        record: CanonicalAccreditation? = nil,
        recognition: Recognition? = nil,
        change: StatusChange? = nil
    ) {
        self.seq = seq
        self.at = at
        self.op = op
        self.id = id
        self.entity = entity
        self.record = record
        self.recognition = recognition
        self.change = change
    }

    /// Decodes an entry.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int.self, forKey: .seq)
        at = try container.decodeRegistryTime(forKey: .at)
        op = try container.decode(StatementKind.self, forKey: .op)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        entity = try container.decodeIfPresent(Entity.self, forKey: .entity)
        record = try container.decodeIfPresent(CanonicalAccreditation.self, forKey: .record)
        recognition = try container.decodeIfPresent(Recognition.self, forKey: .recognition)
        change = try container.decodeIfPresent(StatusChange.self, forKey: .change)
    }

    /// Encodes an entry; absent members are omitted.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(RegistryTime.format(at), forKey: .at)
        try container.encode(op, forKey: .op)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(entity, forKey: .entity)
        try container.encodeIfPresent(record, forKey: .record)
        try container.encodeIfPresent(recognition, forKey: .recognition)
        try container.encodeIfPresent(change, forKey: .change)
    }
}

/// The change feed (`GET /registry/v1/changes?since=SEQ`, signed as a compact JWS with `typ`
/// `registry-changes+jwt`): the events after `fromSeq` up to `toSeq`, gap-free.
public struct ChangeFeed: Codable, Sendable, Hashable {
    /// The JOSE `typ` of a signed change feed.
    public static let mediaType = "registry-changes+jwt"

    /// The `since` of the request: entries start at `fromSeq + 1`.
    public var fromSeq: Int
    /// The sequence number of the last entry (the registry's `seq`).
    public var toSeq: Int
    /// When the feed was made.
    public var issuedAt: Date
    /// The root authority's DID.
    public var rootAuthority: String
    /// The log head hash at `toSeq`.
    public var head: String
    /// The entries, in order.
    public var events: [ChangeEntry]

    private enum CodingKeys: String, CodingKey { case fromSeq, toSeq, issuedAt, rootAuthority, head, events }

    /// Creates a feed.
    /// - Parameters:
    ///   - fromSeq: The `since`.
    ///   - toSeq: The last entry's sequence number.
    ///   - issuedAt: Issue time.
    ///   - rootAuthority: Root DID.
    ///   - head: Log head at `toSeq`.
    ///   - events: Entries.
    public init(fromSeq: Int, toSeq: Int, issuedAt: Date, rootAuthority: String, head: String, events: [ChangeEntry]) {
        self.fromSeq = fromSeq
        self.toSeq = toSeq
        self.issuedAt = RegistryTime.truncated(issuedAt)
        self.rootAuthority = rootAuthority
        self.head = head
        self.events = events
    }

    /// Decodes a feed.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fromSeq = try container.decode(Int.self, forKey: .fromSeq)
        toSeq = try container.decode(Int.self, forKey: .toSeq)
        issuedAt = try container.decodeRegistryTime(forKey: .issuedAt)
        rootAuthority = try container.decode(String.self, forKey: .rootAuthority)
        head = try container.decode(String.self, forKey: .head)
        events = try container.decode([ChangeEntry].self, forKey: .events)
    }

    /// Encodes a feed.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fromSeq, forKey: .fromSeq)
        try container.encode(toSeq, forKey: .toSeq)
        try container.encode(RegistryTime.format(issuedAt), forKey: .issuedAt)
        try container.encode(rootAuthority, forKey: .rootAuthority)
        try container.encode(head, forKey: .head)
        try container.encode(events, forKey: .events)
    }
}

/// How far back the change feed reaches; older `since` values get ``RegistryError/Code/gone`` (HTTP 410) and the
/// wallet falls back to a full snapshot.
public enum ChangeFeedRetention: Sendable, Hashable {
    /// Every event since initialisation.
    case all
    /// The last `n` events.
    case lastEvents(Int)
    /// Events recorded within the interval before the feed's issue time.
    case maximumAge(TimeInterval)
}

extension RegistryState {
    /// The wallet snapshot at `issuedAt`.
    /// - Parameters:
    ///   - issuedAt: Issue time (derived statuses describe this instant).
    ///   - validity: Seconds to `nextUpdate` (default one day).
    /// - Returns: The snapshot, stamped.
    /// - Throws: ``RegistryError/Code/unknownAuthority`` before initialisation.
    public func walletSnapshot(issuedAt: Date, validity: TimeInterval = 86_400) throws(RegistryError) -> Stamped<WalletSnapshot> {
        guard let root = rootAuthority else { throw RegistryError(.unknownAuthority, "the registry is not initialised") }
        let time = RegistryTime.truncated(issuedAt)
        let snapshot = WalletSnapshot(
            seq: seq,
            issuedAt: time,
            nextUpdate: time.addingTimeInterval(validity),
            rootAuthority: root,
            head: headHash,
            entities: allEntities,
            records: allAccreditations.map { $0.canonical(at: time) },
            recognitions: allRecognitions.map { $0.rederived(at: time) }
        )
        return Stamped(seq: seq, body: snapshot)
    }

    /// The oldest `since` the change feed still answers under `retention` at `issuedAt`.
    /// - Parameters:
    ///   - retention: The retention window.
    ///   - issuedAt: The feed's issue time.
    /// - Returns: The smallest acceptable `since`.
    public func oldestAvailableSince(retention: ChangeFeedRetention, issuedAt: Date) -> Int {
        switch retention {
        case .all:
            return 0
        case .lastEvents(let count):
            return max(0, seq - max(count, 0))
        case .maximumAge(let interval):
            let cutoff = issuedAt.addingTimeInterval(-interval)
            // Events are time-ordered: the first event at or after the cutoff bounds the window.
            var low = 0
            var high = changes.count
            while low < high {
                let middle = (low + high) / 2
                if changes[middle].at < cutoff { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// The change feed: the events after `since`.
    /// - Parameters:
    ///   - since: The `seq` the wallet holds (0 for everything).
    ///   - issuedAt: Issue time.
    ///   - retention: How far back the feed reaches.
    /// - Returns: The feed, stamped.
    /// - Throws: ``RegistryError/Code/gone`` (HTTP 410) when `since` is older than the retention window;
    ///   ``RegistryError/Code/malformed`` for a negative `since` or one ahead of the registry;
    ///   ``RegistryError/Code/unknownAuthority`` before initialisation.
    public func changeFeed(since: Int, issuedAt: Date, retention: ChangeFeedRetention = .all) throws(RegistryError) -> Stamped<ChangeFeed> {
        guard let root = rootAuthority else { throw RegistryError(.unknownAuthority, "the registry is not initialised") }
        guard since >= 0, since <= seq else {
            throw RegistryError(.malformed, "since must be between 0 and the registry's seq \(seq), not \(since)")
        }
        let oldest = oldestAvailableSince(retention: retention, issuedAt: issuedAt)
        guard since >= oldest else {
            throw RegistryError(.gone, "since \(since) is older than the retention window (oldest available since is \(oldest)): fetch a snapshot")
        }
        var entries = [ChangeEntry]()
        entries.reserveCapacity(seq - since)
        for summary in changes[since...] {
            var entry = ChangeEntry(seq: summary.seq, at: summary.at, op: summary.kind, id: summary.target, entity: summary.entity)
            switch summary.kind {
            case .initialise, .accredit:
                if let record = records[summary.target] {
                    var created = record.canonical(at: summary.at)
                    created.statusHistory = record.statusHistory.filter { $0.seq == summary.seq }
                    entry.record = created.rederived(at: summary.at)
                }
            case .suspend, .reinstate, .revoke:
                entry.change =
                    records[summary.target]?.statusHistory.first { $0.seq == summary.seq }
                    ?? recognitions[summary.target]?.statusHistory.first { $0.seq == summary.seq }
            case .recognise:
                if var recognition = recognitions[summary.target] {
                    recognition.statusHistory = recognition.statusHistory.filter { $0.seq == summary.seq }
                    entry.recognition = recognition.rederived(at: summary.at)
                }
            case .updateEntity:
                break
            }
            entries.append(entry)
        }
        let feed = ChangeFeed(fromSeq: since, toSeq: seq, issuedAt: issuedAt, rootAuthority: root, head: headHash, events: entries)
        return Stamped(seq: seq, body: feed)
    }
}

/// Signing and verification of the wallet artefacts (snapshot and change feed) with the registry's service key,
/// published in `/.well-known/jwks.json`.
public enum WalletSigning {
    /// The protected header members that mark a compressed payload: `zip` `DEF`, and `crit` naming it.
    static let compressedPayloadHeader: [String: JSONValue] = ["zip": .string("DEF"), "crit": .array([.string("zip")])]

    /// Signs a snapshot: compact JWS, `typ` `registry-snapshot-v2+jwt`, `zip` `DEF` (critical), payload the
    /// snapshot's ``WalletSnapshot/compactPayload()`` compressed with raw DEFLATE.
    /// - Parameters:
    ///   - snapshot: The snapshot.
    ///   - key: The registry's signing key.
    ///   - keyID: The `kid` published in the JWKS.
    /// - Returns: The compact JWS.
    /// - Throws: ``RegistryError/Code/malformed`` if encoding, compression or signing fails.
    public static func sign(_ snapshot: WalletSnapshot, key: SigningKey, keyID: String) throws(RegistryError) -> String {
        let payload = try snapshot.compactPayload()
        let compressed: [UInt8]
        do {
            compressed = try WireCompression.compress([UInt8](payload), format: .deflate, level: 9)
        } catch {
            throw RegistryError(.malformed, "snapshot compression failed: \(error)")
        }
        do {
            return try CompactJWS.sign(
                payload: Data(compressed), key: key, type: WalletSnapshot.mediaType, keyID: keyID, additionalHeader: compressedPayloadHeader)
        } catch {
            throw RegistryError(.malformed, "signing failed: \(error.reason)")
        }
    }

    /// Signs a change feed: compact JWS, `typ` `registry-changes+jwt`.
    /// - Parameters:
    ///   - feed: The feed.
    ///   - key: The registry's signing key.
    ///   - keyID: The `kid` published in the JWKS.
    /// - Returns: The compact JWS.
    /// - Throws: ``RegistryError/Code/malformed`` if signing fails.
    public static func sign(_ feed: ChangeFeed, key: SigningKey, keyID: String) throws(RegistryError) -> String {
        try sign(JSONValue.registryEncoding(feed), type: ChangeFeed.mediaType, key: key, keyID: keyID)
    }

    /// Verifies a signed snapshot with the registry's published keys (by `kid`).
    /// - Parameters:
    ///   - compact: The compact JWS.
    ///   - keys: The registry's JWKS.
    /// - Returns: The snapshot.
    /// - Throws: ``RegistryError/Code/badSignature`` or ``RegistryError/Code/malformed``.
    public static func verifySnapshot(_ compact: String, keys: JWKSet) throws(RegistryError) -> WalletSnapshot {
        let jws = try verified(compact, type: WalletSnapshot.mediaType, keys: keys, understoodCriticalHeaders: ["zip"])
        guard jws.header["zip"]?.stringValue == "DEF" else {
            throw RegistryError(.malformed, "signed \(WalletSnapshot.mediaType) must have a DEFLATE-compressed payload (zip DEF)")
        }
        let inflated: [UInt8]
        do {
            inflated = try WireCompression.decompress([UInt8](jws.payload), format: .deflate, maximumSize: WalletSnapshot.maximumPayloadBytes)
        } catch {
            throw RegistryError(.malformed, "signed \(WalletSnapshot.mediaType): payload does not inflate: \(error)")
        }
        return try WalletSnapshot(compactPayload: Data(inflated))
    }

    /// Verifies a signed change feed with the registry's published keys.
    /// - Parameters:
    ///   - compact: The compact JWS.
    ///   - keys: The registry's JWKS.
    /// - Returns: The feed.
    /// - Throws: ``RegistryError/Code/badSignature`` or ``RegistryError/Code/malformed``.
    public static func verifyChangeFeed(_ compact: String, keys: JWKSet) throws(RegistryError) -> ChangeFeed {
        try verify(compact, type: ChangeFeed.mediaType, keys: keys).decodeRegistry(ChangeFeed.self)
    }

    private static func sign(_ payload: JSONValue, type: String, key: SigningKey, keyID: String) throws(RegistryError) -> String {
        do {
            return try CompactJWS.sign(json: payload, key: key, type: type, keyID: keyID)
        } catch {
            throw RegistryError(.malformed, "signing failed: \(error.reason)")
        }
    }

    private static func verify(_ compact: String, type: String, keys: JWKSet) throws(RegistryError) -> JSONValue {
        let jws = try verified(compact, type: type, keys: keys)
        do {
            return try jws.payloadJSON()
        } catch {
            throw RegistryError(.malformed, "signed \(type): \(error.reason)")
        }
    }

    private static func verified(
        _ compact: String, type: String, keys: JWKSet, understoodCriticalHeaders: Set<String> = []
    ) throws(RegistryError) -> CompactJWS {
        do {
            let jws = try CompactJWS(parsing: compact)
            guard let keyID = jws.header.keyID else { throw RegistryError(.badSignature, "signed \(type) has no kid") }
            try jws.verify(with: try keys.verificationKey(withID: keyID), expectedType: type, understoodCriticalHeaders: understoodCriticalHeaders)
            return jws
        } catch let error as RegistryError {
            throw error
        } catch let error as SigningError {
            throw RegistryError(error.code == .malformed ? .malformed : .badSignature, "signed \(type): \(error.reason)")
        } catch {
            throw RegistryError(.malformed, "signed \(type): \(error)")
        }
    }
}

extension JSONValue {
    func decodeRegistry<T: Decodable>(_ type: T.Type) throws(RegistryError) -> T {
        do {
            return try decode(T.self)
        } catch {
            throw RegistryError(.malformed, "JSON is not a \(T.self): \(error.reason)")
        }
    }
}
