import Foundation
import Signing

/// Writes the compact binary form of checkpoints: unsigned LEB128 integers, doubles as their bit patterns, strings as
/// a length and their UTF-8 bytes. The bytes go to `sink` in chunks of about a megabyte, so a checkpoint of a large
/// registry is never held whole in memory.
public struct CheckpointWriter {
    private var buffer: [UInt8] = []
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private static let chunk = 1 << 20

    /// Creates a writer.
    /// - Parameter sink: Receives the bytes in order (for example: hashes them and writes them to a file).
    public init(sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.sink = sink
        buffer.reserveCapacity(Self.chunk + 64)
    }

    /// Hands the buffered bytes to the sink; call once at the end.
    public mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func flushIfFull() throws {
        if buffer.count >= Self.chunk { try flush() }
    }

    /// Writes a non-negative integer (negative ones are written as their two's complement bit pattern).
    public mutating func int(_ value: Int) throws {
        var rest = UInt64(bitPattern: Int64(value))
        while rest >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.append(UInt8(rest))
        try flushIfFull()
    }

    /// Writes a flag.
    public mutating func bool(_ value: Bool) throws { try int(value ? 1 : 0) }

    /// Writes a floating-point number exactly.
    public mutating func double(_ value: Double) throws {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { buffer.append(contentsOf: $0) }
        try flushIfFull()
    }

    /// Writes an instant exactly.
    public mutating func date(_ value: Date) throws { try double(value.timeIntervalSinceReferenceDate) }

    /// Writes a string; a long one goes to the sink directly, without a copy into the buffer.
    public mutating func string(_ value: String) throws {
        var value = value
        try value.withUTF8 { bytes in
            try int(bytes.count)
            if bytes.count > Self.chunk / 4 {
                try flush()
                try sink(UnsafeRawBufferPointer(bytes))
            } else {
                buffer.append(contentsOf: bytes)
                try flushIfFull()
            }
        }
    }

    /// Writes a byte string.
    public mutating func byteString(_ value: [UInt8]) throws {
        try int(value.count)
        buffer.append(contentsOf: value)
        try flushIfFull()
    }

    /// Writes an optional string.
    public mutating func optionalString(_ value: String?) throws {
        try bool(value != nil)
        if let value { try string(value) }
    }

    /// Writes an optional instant.
    public mutating func optionalDate(_ value: Date?) throws {
        try bool(value != nil)
        if let value { try date(value) }
    }
}

/// Why a checkpoint could not be read (the caller falls back to replaying the log).
public struct CheckpointFormatError: Error, CustomStringConvertible, Sendable {
    /// What was wrong.
    public let description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

/// Reads what ``CheckpointWriter`` wrote, bounds-checked: a truncated or malformed input throws
/// ``CheckpointFormatError``, never reads past the end. Repeated short strings (DIDs, ids, vocabulary URIs) are
/// interned, so a restored state shares their storage as a replayed one does, or better.
public struct CheckpointReader {
    private let bytes: UnsafeRawBufferPointer
    /// The read position.
    public private(set) var offset: Int
    private var strings: [String: String] = [:]

    /// Creates a reader over `bytes` (which must outlive it), from `offset`.
    public init(bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Whether every byte was read.
    public var isAtEnd: Bool { offset == bytes.count }

    /// Reads an integer.
    public mutating func int() throws(CheckpointFormatError) -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw CheckpointFormatError("truncated at byte \(offset)") }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw CheckpointFormatError("integer too long at byte \(offset)") }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int(Int64(bitPattern: value))
    }

    /// Reads a count (a non-negative integer no larger than the bytes left, since every element takes one at least).
    public mutating func count() throws(CheckpointFormatError) -> Int {
        let value = try int()
        guard value >= 0, value <= bytes.count - offset else { throw CheckpointFormatError("bad count \(value) at byte \(offset)") }
        return value
    }

    /// Reads a flag.
    public mutating func bool() throws(CheckpointFormatError) -> Bool {
        switch try int() {
        case 0: return false
        case 1: return true
        default: throw CheckpointFormatError("bad flag at byte \(offset)")
        }
    }

    /// Reads a floating-point number.
    public mutating func double() throws(CheckpointFormatError) -> Double {
        guard bytes.count - offset >= 8 else { throw CheckpointFormatError("truncated at byte \(offset)") }
        var bits: UInt64 = 0
        withUnsafeMutableBytes(of: &bits) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 8])) }
        offset += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    /// Reads an instant.
    public mutating func date() throws(CheckpointFormatError) -> Date { Date(timeIntervalSinceReferenceDate: try double()) }

    /// Reads a string; one of at most 256 bytes is interned.
    public mutating func string() throws(CheckpointFormatError) -> String {
        let length = try count()
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        offset += length
        let value = String(decoding: slice, as: UTF8.self)
        guard length <= 256 else { return value }
        if let known = strings[value] { return known }
        strings[value] = value
        return value
    }

    /// Reads a byte string.
    public mutating func byteString() throws(CheckpointFormatError) -> [UInt8] {
        let length = try count()
        let value = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
        offset += length
        return value
    }

    /// Reads an optional string.
    public mutating func optionalString() throws(CheckpointFormatError) -> String? {
        try bool() ? try string() : nil
    }

    /// Reads an optional instant.
    public mutating func optionalDate() throws(CheckpointFormatError) -> Date? {
        try bool() ? try date() : nil
    }

    mutating func raw<Value: RawRepresentable>(_ type: Value.Type) throws(CheckpointFormatError) -> Value where Value.RawValue == String {
        let text = try string()
        guard let value = Value(rawValue: text) else { throw CheckpointFormatError("unknown \(Value.self) \"\(text.prefix(40))\"") }
        return value
    }
}

// MARK: - The state

extension RegistryState {
    /// The version of ``writeCheckpoint(to:)``'s layout; a reader refuses any other.
    static let checkpointLayout = 1

    /// Writes the whole state (everything but ``policy``, which belongs to the process) in a compact, deterministic
    /// binary form: the same state always gives the same bytes (collections in key order).
    /// - Parameter writer: Where to write.
    public func writeCheckpoint(to writer: inout CheckpointWriter) throws {
        try writer.int(Self.checkpointLayout)
        try writer.int(seq)
        try writer.string(headHash)
        try writer.optionalDate(lastEventAt)
        try writer.optionalString(rootAuthority)
        try writer.optionalString(rootAuthorisationId)

        try writer.int(entities.count)
        for did in entities.keys.sorted() { try Self.write(entities[did]!, to: &writer) }
        try writer.int(records.count)
        for id in records.keys.sorted() { try Self.write(records[id]!, to: &writer) }
        try writer.int(recognitions.count)
        for id in recognitions.keys.sorted() { try Self.write(recognitions[id]!, to: &writer) }
        for index in [recordsBySubject, recordsByAccreditor, recordsByResource, recognitionsByEntity] {
            try writer.int(index.count)
            for key in index.keys.sorted() {
                try writer.string(key)
                try Self.write(index[key]!, to: &writer)
            }
        }
        try Self.write(usedNonces.sorted(), to: &writer)
        try writer.int(revisionsById.count)
        for id in revisionsById.keys.sorted() {
            let revision = revisionsById[id]!
            try writer.string(id)
            try writer.string(revision.accreditationId)
            try writer.int(revision.seq)
        }
        try Self.write(sortedSubjects, to: &writer)
        try writer.int(changes.count)
        for change in changes {
            try writer.int(change.seq)
            try writer.date(change.at)
            try writer.string(change.kind.rawValue)
            try writer.string(change.target)
            try writer.bool(change.entity != nil)
            if let entity = change.entity { try Self.write(entity, to: &writer) }
        }
    }

    /// Restores a state from ``writeCheckpoint(to:)``'s bytes. The bytes are trusted to have been written from a
    /// verified state (the caller checks their signature); this only checks they are well formed, and that the
    /// indexes name records the state holds.
    /// - Parameters:
    ///   - reader: Positioned at the state.
    ///   - policy: Submission-time checks for later writes.
    /// - Throws: ``CheckpointFormatError`` for bytes that are not a state of this layout.
    public init(checkpoint reader: inout CheckpointReader, policy: RegistryPolicy = RegistryPolicy()) throws(CheckpointFormatError) {
        self.init(policy: policy)
        guard try reader.int() == Self.checkpointLayout else { throw CheckpointFormatError("unknown state layout") }
        seq = try reader.int()
        headHash = try reader.string()
        lastEventAt = try reader.optionalDate()
        rootAuthority = try reader.optionalString()
        rootAuthorisationId = try reader.optionalString()

        var count = try reader.count()
        entities.reserveCapacity(count)
        for _ in 0..<count {
            let entity = try Self.readEntity(&reader)
            entities[entity.did] = entity
        }
        count = try reader.count()
        records.reserveCapacity(count)
        // Records of one grant to many subjects carry equal scopes: one shared copy of its sets.
        var scopes: [[Scope]: [Scope]] = [:]
        for _ in 0..<count {
            var record = try Self.readRecord(&reader)
            if let shared = scopes[record.scope] { record.scope = shared } else { scopes[record.scope] = record.scope }
            records[record.accreditationId] = record
        }
        count = try reader.count()
        recognitions.reserveCapacity(count)
        for _ in 0..<count {
            let recognition = try Self.readRecognition(&reader)
            recognitions[recognition.recognitionId] = recognition
        }
        var indexes: [[String: [String]]] = []
        for _ in 0..<4 {
            count = try reader.count()
            var index: [String: [String]] = [:]
            index.reserveCapacity(count)
            for _ in 0..<count {
                let key = try reader.string()
                index[key] = try Self.readStrings(&reader)
            }
            indexes.append(index)
        }
        (recordsBySubject, recordsByAccreditor, recordsByResource, recognitionsByEntity) = (indexes[0], indexes[1], indexes[2], indexes[3])
        usedNonces = Set(try Self.readStrings(&reader))
        count = try reader.count()
        revisionsById.reserveCapacity(count)
        for _ in 0..<count {
            let id = try reader.string()
            revisionsById[id] = RevisionKey(accreditationId: try reader.string(), seq: try reader.int())
        }
        sortedSubjects = try Self.readStrings(&reader)
        count = try reader.count()
        changes.reserveCapacity(count)
        for _ in 0..<count {
            let seq = try reader.int()
            let at = try reader.date()
            let kind = try reader.raw(StatementKind.self)
            let target = try reader.string()
            var entity = try reader.bool() ? try Self.readEntity(&reader) : nil
            // Most summaries carry the entity as it still is: share the registered copy.
            if let summary = entity, let registered = entities[summary.did], registered == summary { entity = registered }
            changes.append(ChangeSummary(seq: seq, at: at, kind: kind, target: target, entity: entity))
        }
        guard changes.count == seq, changes.last?.seq ?? 0 == seq else {
            throw CheckpointFormatError("the checkpoint's change summaries do not reach its seq \(seq)")
        }
        for index in [recordsBySubject, recordsByAccreditor, recordsByResource] {
            for ids in index.values where ids.contains(where: { records[$0] == nil }) {
                throw CheckpointFormatError("an index names an accreditation the checkpoint does not hold")
            }
        }
    }

    // MARK: Parts

    private static func write(_ strings: [String], to writer: inout CheckpointWriter) throws {
        try writer.int(strings.count)
        for string in strings { try writer.string(string) }
    }

    private static func readStrings(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> [String] {
        let count = try reader.count()
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count { strings.append(try reader.string()) }
        return strings
    }

    private static func write(_ names: [String: String], to writer: inout CheckpointWriter) throws {
        try writer.int(names.count)
        for key in names.keys.sorted() {
            try writer.string(key)
            try writer.string(names[key]!)
        }
    }

    private static func readNames(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> [String: String] {
        let count = try reader.count()
        var names: [String: String] = [:]
        names.reserveCapacity(count)
        for _ in 0..<count {
            let key = try reader.string()
            names[key] = try reader.string()
        }
        return names
    }

    private static func write(_ entity: Entity, to writer: inout CheckpointWriter) throws {
        try writer.string(entity.did)
        try writer.string(entity.role.rawValue)
        try writer.int(entity.keys.count)
        for key in entity.keys {
            try writer.string(key.kty)
            try writer.string(key.crv)
            try writer.string(key.x)
            try writer.optionalString(key.y)
            // A registered key is public (Entity.validated refuses `d`): a private member is never written.
            try writer.optionalString(key.kid)
            try writer.optionalString(key.alg)
            try writer.optionalString(key.use)
        }
        try write(entity.names, to: &writer)
        try writer.string(entity.country)
        try writer.string(entity.website)
        try writer.optionalString(entity.email)
        try writer.bool(entity.address != nil)
        if let address = entity.address {
            try writer.string(address.street)
            try writer.optionalString(address.locality)
            try writer.optionalString(address.postalCode)
        }
    }

    private static func readEntity(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> Entity {
        let did = try reader.string()
        let role = try reader.raw(EntityRole.self)
        let keyCount = try reader.count()
        var keys: [JWK] = []
        keys.reserveCapacity(keyCount)
        for _ in 0..<keyCount {
            let kty = try reader.string()
            let crv = try reader.string()
            let x = try reader.string()
            let y = try reader.optionalString()
            let kid = try reader.optionalString()
            let alg = try reader.optionalString()
            let use = try reader.optionalString()
            keys.append(JWK(kty: kty, crv: crv, x: x, y: y, kid: kid, alg: alg, use: use))
        }
        let names = try readNames(&reader)
        let country = try reader.string()
        let website = try reader.string()
        let email = try reader.optionalString()
        var address: PostalAddress?
        if try reader.bool() {
            let street = try reader.string()
            address = PostalAddress(street: street, locality: try reader.optionalString(), postalCode: try reader.optionalString())
        }
        return Entity(did: did, role: role, keys: keys, names: names, country: country, website: website, email: email, address: address)
    }

    private static func write(_ history: [StatusChange], to writer: inout CheckpointWriter) throws {
        try writer.int(history.count)
        for change in history {
            try writer.string(change.status.rawValue)
            try writer.date(change.at)
            try writer.optionalString(change.reason)
            try writer.int(change.seq)
        }
    }

    private static func readHistory(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> [StatusChange] {
        let count = try reader.count()
        var history: [StatusChange] = []
        history.reserveCapacity(count)
        for _ in 0..<count {
            let status = try reader.raw(AccreditationStatus.self)
            let at = try reader.date()
            let reason = try reader.optionalString()
            history.append(StatusChange(status: status, at: at, reason: reason, seq: try reader.int()))
        }
        return history
    }

    private static func write(_ set: Set<String>, to writer: inout CheckpointWriter) throws {
        try write(set.sorted(), to: &writer)
    }

    private static func write(_ record: AccreditationRecord, to writer: inout CheckpointWriter) throws {
        try writer.string(record.accreditationId)
        try writer.string(record.subject)
        try writer.string(record.role.rawValue)
        try writer.string(record.accreditedBy.did)
        try writer.string(record.accreditedBy.accreditationId)
        try writer.string(record.rootAuthority)
        try writer.int(record.scope.count)
        for entry in record.scope {
            for dimension in [entry.credentialTypes, entry.schemaIds, entry.eqfLevels, entry.jurisdictions, entry.iscedF] {
                try write(dimension, to: &writer)
            }
        }
        try writer.date(record.validFrom)
        try writer.date(record.validUntil)
        try write(record.statusHistory, to: &writer)
        try write(record.packedEvidence, to: &writer)
        try writer.int(record.packedChangeEvidence.count)
        for (seq, evidence) in record.packedChangeEvidence.sorted(by: { $0.key < $1.key }) {
            try writer.int(seq)
            try write(evidence, to: &writer)
        }
    }

    /// A statement as kept: packed ones stay packed (a start does not compress 50,000 statements again).
    private static func write(_ statement: PackedStatement, to writer: inout CheckpointWriter) throws {
        switch statement.storage {
        case .text(let text):
            try writer.int(0)
            try writer.string(text)
        case .packed(let header, let payload, let payloadBytes, let signature):
            try writer.int(1)
            try writer.string(header)
            try writer.byteString(payload)
            try writer.int(payloadBytes)
            try writer.string(signature)
        }
    }

    private static func readStatement(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> PackedStatement {
        switch try reader.int() {
        case 0:
            return PackedStatement(storage: .text(try reader.string()))
        case 1:
            let header = try reader.string()
            let payload = try reader.byteString()
            let payloadBytes = try reader.int()
            let signature = try reader.string()
            guard payloadBytes >= 0, payloadBytes <= 1 << 24 else { throw CheckpointFormatError("bad statement length \(payloadBytes)") }
            return PackedStatement(storage: .packed(header: header, payload: payload, payloadBytes: payloadBytes, signature: signature))
        case let kind:
            throw CheckpointFormatError("unknown statement form \(kind) at byte \(reader.offset)")
        }
    }

    private static func readRecord(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> AccreditationRecord {
        let id = try reader.string()
        let subject = try reader.string()
        let role = try reader.raw(AccreditationRole.self)
        let accreditedBy = AccreditorReference(did: try reader.string(), accreditationId: try reader.string())
        let rootAuthority = try reader.string()
        let scopeCount = try reader.count()
        var scope: [Scope] = []
        scope.reserveCapacity(scopeCount)
        for _ in 0..<scopeCount {
            let credentialTypes = Set(try readStrings(&reader))
            let schemaIds = Set(try readStrings(&reader))
            let eqfLevels = Set(try readStrings(&reader))
            let jurisdictions = Set(try readStrings(&reader))
            let iscedF = Set(try readStrings(&reader))
            scope.append(
                Scope(credentialTypes: credentialTypes, schemaIds: schemaIds, eqfLevels: eqfLevels, jurisdictions: jurisdictions, iscedF: iscedF))
        }
        let validFrom = try reader.date()
        let validUntil = try reader.date()
        let history = try readHistory(&reader)
        let evidence = try readStatement(&reader)
        let changeCount = try reader.count()
        var changeEvidence: [Int: PackedStatement] = [:]
        for _ in 0..<changeCount {
            let seq = try reader.int()
            changeEvidence[seq] = try readStatement(&reader)
        }
        return AccreditationRecord(
            accreditationId: id, subject: subject, role: role, accreditedBy: accreditedBy, rootAuthority: rootAuthority, scope: scope,
            validFrom: validFrom, validUntil: validUntil, statusHistory: history, packedEvidence: evidence, packedChangeEvidence: changeEvidence)
    }

    private static func write(_ recognition: Recognition, to writer: inout CheckpointWriter) throws {
        try writer.string(recognition.recognitionId)
        try writer.string(recognition.authority)
        try writer.string(recognition.entity)
        try write(recognition.actions, to: &writer)
        try write(recognition.resources, to: &writer)
        try write(recognition.names, to: &writer)
        try writer.date(recognition.validFrom)
        try writer.date(recognition.validUntil)
        try write(recognition.statusHistory, to: &writer)
        try writer.string(recognition.status.rawValue)
    }

    private static func readRecognition(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> Recognition {
        let id = try reader.string()
        let authority = try reader.string()
        let entity = try reader.string()
        let actions = try readStrings(&reader)
        let resources = try readStrings(&reader)
        let names = try readNames(&reader)
        let validFrom = try reader.date()
        let validUntil = try reader.date()
        let history = try readHistory(&reader)
        return Recognition(
            recognitionId: id, authority: authority, entity: entity, actions: actions, resources: resources, names: names,
            validFrom: validFrom, validUntil: validUntil, statusHistory: history, status: try reader.raw(AccreditationStatus.self))
    }
}
