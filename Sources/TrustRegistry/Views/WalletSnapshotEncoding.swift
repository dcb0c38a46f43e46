import Foundation
import Signing

/// The wallet snapshot's compact payload (format version 2): the same ``WalletSnapshot``, written without repeated
/// member names, with every string stored once and dates as NumericDate (seconds since the epoch).
///
/// ```
/// {"v": 2, "seq": 42, "issuedAt": 1764770000, "nextUpdate": 1764856400, "rootAuthority": "did:…", "head": "…",
///  "strings": ["did:web:…", "TI", "active", …],
///  "scopes": [[[types], [schemaIds], [eqfLevels], [jurisdictions], [iscedF]], …]],
///  "entities": [[did, role, keys, names, country, website, email|null, address|null], …],
///  "records": [[accreditationId, subject, role, accreditedBy.did, accreditedBy.accreditationId, rootAuthority,
///               scopes, validFrom, validUntil, history], …],
///  "recognitions": [[recognitionId, authority, entity, [actions], [resources], names, validFrom, validUntil,
///                    history], …]}
/// ```
/// Strings (DIDs, ids, roles, statuses, scope values, reasons) are indices into `strings`; `scopes` in a record is an
/// index into `scopes`, whose entries hold sorted string indices; `history` is `[[status, at, seq, reason|null], …]`;
/// `keys` (JWKs), `names` and `address` are as in the entity's own JSON. A record's derived `status` is not carried:
/// the reader derives it at `issuedAt` from the history, as the registry does. Evidence is never in a snapshot.
enum WalletSnapshotEncoding {
    /// The format version in `v`.
    static let version = 2

    // MARK: Writing

    /// The payload's JSON, serialised canonically (RFC 8785).
    static func encode(_ snapshot: WalletSnapshot) throws(RegistryError) -> Data {
        var strings = StringTable()
        var scopeIndex: [[Scope]: Int] = [:]
        var scopes: [JSONValue] = []

        func history(_ changes: [StatusChange]) -> JSONValue {
            .array(
                changes.map { change -> JSONValue in
                    .array([
                        strings.ref(change.status.rawValue), .number(Double(RegistryTime.numericDate(change.at))), .number(Double(change.seq)),
                        change.reason.map { strings.ref($0) } ?? .null,
                    ])
                })
        }
        func date(_ date: Date) -> JSONValue { .number(Double(RegistryTime.numericDate(date))) }
        func names(_ names: [String: String]) -> JSONValue { .object(names.mapValues { .string($0) }) }

        let keys = try JSONValue.registryEncoding(snapshot.entities.map(\.keys)).arrayValue ?? []
        let addresses = try JSONValue.registryEncoding(snapshot.entities.map(\.address)).arrayValue ?? []
        var entities: [JSONValue] = []
        entities.reserveCapacity(snapshot.entities.count)
        for (index, entity) in snapshot.entities.enumerated() {
            entities.append(
                .array([
                    strings.ref(entity.did), strings.ref(entity.role.rawValue), keys[index], names(entity.names), strings.ref(entity.country),
                    strings.ref(entity.website), entity.email.map { strings.ref($0) } ?? .null, addresses[index],
                ]))
        }

        var records: [JSONValue] = []
        records.reserveCapacity(snapshot.records.count)
        for record in snapshot.records {
            let scope: Int
            if let known = scopeIndex[record.scope] {
                scope = known
            } else {
                scope = scopes.count
                scopeIndex[record.scope] = scope
                scopes.append(
                    .array(
                        record.scope.map { entry -> JSONValue in
                            .array(
                                [entry.credentialTypes, entry.schemaIds, entry.eqfLevels, entry.jurisdictions, entry.iscedF].map { values -> JSONValue in
                                    .array(values.sorted().map { strings.ref($0) })
                                })
                        }))
            }
            records.append(
                .array([
                    strings.ref(record.accreditationId), strings.ref(record.subject), strings.ref(record.role.rawValue),
                    strings.ref(record.accreditedBy.did), strings.ref(record.accreditedBy.accreditationId), strings.ref(record.rootAuthority),
                    .number(Double(scope)), date(record.validFrom), date(record.validUntil), history(record.statusHistory),
                ]))
        }

        let recognitions: [JSONValue] = snapshot.recognitions.map { recognition -> JSONValue in
            .array([
                strings.ref(recognition.recognitionId), strings.ref(recognition.authority), strings.ref(recognition.entity),
                .array(recognition.actions.map { strings.ref($0) }), .array(recognition.resources.map { strings.ref($0) }),
                names(recognition.names), date(recognition.validFrom), date(recognition.validUntil), history(recognition.statusHistory),
            ])
        }

        let payload: JSONValue = .object([
            "v": .number(Double(version)),
            "seq": .number(Double(snapshot.seq)),
            "issuedAt": date(snapshot.issuedAt),
            "nextUpdate": date(snapshot.nextUpdate),
            "rootAuthority": .string(snapshot.rootAuthority),
            "head": .string(snapshot.head),
            "strings": .array(strings.values.map { .string($0) }),
            "scopes": .array(scopes),
            "entities": .array(entities),
            "records": .array(records),
            "recognitions": .array(recognitions),
        ])
        return try payload.registryCanonicalData()
    }

    /// Strings in order of first use, each referenced by its index.
    private struct StringTable {
        var values: [String] = []
        var indices: [String: Int] = [:]

        mutating func ref(_ string: String) -> JSONValue {
            if let index = indices[string] { return .number(Double(index)) }
            let index = values.count
            values.append(string)
            indices[string] = index
            return .number(Double(index))
        }
    }

    // MARK: Reading

    /// Reads a payload; every index, enum value and shape is checked.
    /// - Throws: ``RegistryError/Code/malformed`` for anything that is not a version-2 snapshot.
    static func decode(_ data: Data) throws(RegistryError) -> WalletSnapshot {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: data)
        } catch {
            throw RegistryError(.malformed, "snapshot payload is not JSON: \(error.reason)")
        }
        guard let version = root["v"]?.integerValue else { throw RegistryError(.malformed, "snapshot payload has no format version v") }
        guard version == Self.version else {
            throw RegistryError(.malformed, "snapshot format version \(version) is not supported (this reader knows version \(Self.version))")
        }
        let reader = Reader(table: try Reader.table(root["strings"]))
        let seq = try reader.integer(root["seq"], "seq")
        let issuedAt = try reader.date(root["issuedAt"], "issuedAt")
        let nextUpdate = try reader.date(root["nextUpdate"], "nextUpdate")
        guard let rootAuthority = root["rootAuthority"]?.stringValue, let head = root["head"]?.stringValue else {
            throw RegistryError(.malformed, "snapshot payload needs rootAuthority and head strings")
        }

        var scopes: [[Scope]] = []
        for (index, list) in try reader.array(root["scopes"], "scopes").enumerated() {
            var entries: [Scope] = []
            for entry in try reader.array(list, "scopes[\(index)]") {
                var sets: [Set<String>] = []
                for values in try reader.array(entry, "scopes[\(index)] entry", count: 5) {
                    sets.append(Set(try reader.stringList(values, "scopes[\(index)] entry")))
                }
                entries.append(Scope(credentialTypes: sets[0], schemaIds: sets[1], eqfLevels: sets[2], jurisdictions: sets[3], iscedF: sets[4]))
            }
            scopes.append(entries)
        }

        let entityRows = try reader.array(root["entities"], "entities")
        var keyLists: [JSONValue] = []
        var addressValues: [JSONValue] = []
        for (index, row) in entityRows.enumerated() {
            let fields = try reader.array(row, "entities[\(index)]", count: 8)
            keyLists.append(fields[2])
            addressValues.append(fields[7])
        }
        let keys = try decodeMembers([[JWK]].self, .array(keyLists), "entity keys")
        let addresses = try decodeMembers([PostalAddress?].self, .array(addressValues), "entity addresses")
        var entities: [Entity] = []
        entities.reserveCapacity(entityRows.count)
        for (index, row) in entityRows.enumerated() {
            let fields = row.arrayValue ?? []
            let what = "entities[\(index)]"
            entities.append(
                Entity(
                    did: try reader.string(fields[0], what),
                    role: try reader.enumeration(EntityRole.self, fields[1], what),
                    keys: keys[index],
                    names: try reader.names(fields[3], what),
                    country: try reader.string(fields[4], what),
                    website: try reader.string(fields[5], what),
                    email: try reader.optionalString(fields[6], what),
                    address: addresses[index]
                ))
        }

        let recordRows = try reader.array(root["records"], "records")
        var records: [CanonicalAccreditation] = []
        records.reserveCapacity(recordRows.count)
        for (index, row) in recordRows.enumerated() {
            let what = "records[\(index)]"
            let fields = try reader.array(row, what, count: 10)
            let scope = try reader.integer(fields[6], what)
            guard scopes.indices.contains(scope) else { throw RegistryError(.malformed, "\(what) names scope list \(scope), which is not there") }
            let record = CanonicalAccreditation(
                accreditationId: try reader.string(fields[0], what),
                subject: try reader.string(fields[1], what),
                role: try reader.enumeration(AccreditationRole.self, fields[2], what),
                accreditedBy: AccreditorReference(did: try reader.string(fields[3], what), accreditationId: try reader.string(fields[4], what)),
                rootAuthority: try reader.string(fields[5], what),
                scope: scopes[scope],
                validFrom: try reader.date(fields[7], what),
                validUntil: try reader.date(fields[8], what),
                status: .active,
                statusHistory: try reader.history(fields[9], what)
            )
            records.append(record.rederived(at: issuedAt))
        }

        var recognitions: [Recognition] = []
        for (index, row) in try reader.array(root["recognitions"], "recognitions").enumerated() {
            let what = "recognitions[\(index)]"
            let fields = try reader.array(row, what, count: 9)
            let recognition = Recognition(
                recognitionId: try reader.string(fields[0], what),
                authority: try reader.string(fields[1], what),
                entity: try reader.string(fields[2], what),
                actions: try reader.stringList(fields[3], what),
                resources: try reader.stringList(fields[4], what),
                names: try reader.names(fields[5], what),
                validFrom: try reader.date(fields[6], what),
                validUntil: try reader.date(fields[7], what),
                statusHistory: try reader.history(fields[8], what)
            )
            recognitions.append(recognition.rederived(at: issuedAt))
        }

        return WalletSnapshot(
            seq: seq, issuedAt: issuedAt, nextUpdate: nextUpdate, rootAuthority: rootAuthority, head: head, entities: entities,
            records: records, recognitions: recognitions)
    }

    private static func decodeMembers<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ what: String) throws(RegistryError) -> T {
        do {
            return try value.decode(T.self)
        } catch {
            throw RegistryError(.malformed, "snapshot \(what) do not decode: \(error.reason)")
        }
    }

    /// Reads the payload's members against its string table.
    private struct Reader {
        /// The payload's `strings`.
        let table: [String]

        static func table(_ value: JSONValue?) throws(RegistryError) -> [String] {
            guard let elements = value?.arrayValue else { throw RegistryError(.malformed, "snapshot payload has no strings array") }
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                guard let string = element.stringValue else { throw RegistryError(.malformed, "snapshot strings holds a non-string") }
                strings.append(string)
            }
            return strings
        }

        func array(_ value: JSONValue?, _ what: String, count: Int? = nil) throws(RegistryError) -> [JSONValue] {
            guard let elements = value?.arrayValue, count == nil || elements.count == count else {
                throw RegistryError(.malformed, "snapshot \(what) is not an array\(count.map { " of \($0) members" } ?? "")")
            }
            return elements
        }

        func integer(_ value: JSONValue?, _ what: String) throws(RegistryError) -> Int {
            guard let integer = value?.integerValue else { throw RegistryError(.malformed, "snapshot \(what): expected an integer") }
            return integer
        }

        func date(_ value: JSONValue?, _ what: String) throws(RegistryError) -> Date {
            let seconds = try integer(value, what)
            guard abs(seconds) <= 253_402_300_799 else { throw RegistryError(.malformed, "snapshot \(what): date out of range") }
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }

        func string(_ value: JSONValue?, _ what: String) throws(RegistryError) -> String {
            guard let index = value?.integerValue, table.indices.contains(index) else {
                throw RegistryError(.malformed, "snapshot \(what): expected an index into strings")
            }
            return table[index]
        }

        /// A string index, or null for an absent member.
        func optionalString(_ value: JSONValue?, _ what: String) throws(RegistryError) -> String? {
            if value?.isNull ?? true { return nil }
            return try string(value, what)
        }

        func stringList(_ value: JSONValue?, _ what: String) throws(RegistryError) -> [String] {
            var result: [String] = []
            for element in try array(value, what) { result.append(try string(element, what)) }
            return result
        }

        func enumeration<T: RawRepresentable>(_ type: T.Type, _ value: JSONValue?, _ what: String) throws(RegistryError) -> T
        where T.RawValue == String {
            let raw = try string(value, what)
            guard let parsed = T(rawValue: raw) else { throw RegistryError(.malformed, "snapshot \(what): unknown value \"\(raw.prefix(40))\"") }
            return parsed
        }

        func names(_ value: JSONValue?, _ what: String) throws(RegistryError) -> [String: String] {
            guard let members = value?.objectValue else { throw RegistryError(.malformed, "snapshot \(what): names is not an object") }
            var names: [String: String] = [:]
            for (language, name) in members {
                guard let text = name.stringValue else { throw RegistryError(.malformed, "snapshot \(what): name in \(language) is not a string") }
                names[language] = text
            }
            return names
        }

        func history(_ value: JSONValue?, _ what: String) throws(RegistryError) -> [StatusChange] {
            var changes: [StatusChange] = []
            for element in try array(value, "\(what) history") {
                let fields = try array(element, "\(what) history entry", count: 4)
                changes.append(
                    StatusChange(
                        status: try enumeration(AccreditationStatus.self, fields[0], what),
                        at: try date(fields[1], what),
                        reason: try optionalString(fields[3], what),
                        seq: try integer(fields[2], what)
                    ))
            }
            return changes
        }
    }
}
