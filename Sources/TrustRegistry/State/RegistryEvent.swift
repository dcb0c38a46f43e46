import Crypto
import Foundation
import Signing

/// One entry of the registry's tamper-evident log: a change with a global, gap-free sequence number, the signed
/// statement that caused it, and a hash chained to the previous event.
///
/// `hash` = lowercase hex SHA-256 of the RFC 8785 (JCS) serialisation of the event **without** `hash`
/// (`{seq, at, kind, target, payload, evidence, prevHash}`); the first event's `prevHash` is 64 zeros. `payload` is
/// derived deterministically from `evidence` by the registry's rules, so replay can recompute it and detect an
/// edited payload even when the attacker also recomputed the hashes.
///
/// Stores persist events verbatim (``jsonData()``) and rebuild the state with ``RegistryState/replay(_:policy:)``.
public struct RegistryEvent: Codable, Sendable, Hashable {
    /// The `prevHash` of the first event.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The sequence number, 1 for the first event, then +1 each.
    public let seq: Int
    /// When the registry recorded the change (whole seconds, never earlier than the previous event).
    public let at: Date
    /// The kind of change (the statement's kind).
    public let kind: StatementKind
    /// What changed: the accreditation or recognition id, or the DID for `updateEntity`.
    public let target: String
    /// The change in canonical form (see the case notes of ``StatementKind``): `{accreditation, entity?}`,
    /// `{id, change}`, `{entity}` or `{recognition}`.
    public let payload: JSONValue
    /// The signed statement (compact JWS) exactly as submitted.
    public let evidence: String
    /// The previous event's `hash`.
    public let prevHash: String
    /// This event's hash.
    public let hash: String

    /// Creates an event and computes its hash.
    /// - Parameters:
    ///   - seq: The sequence number.
    ///   - at: The recording time (truncated to the second).
    ///   - kind: The kind.
    ///   - target: The target id or DID.
    ///   - payload: The canonical change.
    ///   - evidence: The compact JWS.
    ///   - prevHash: The previous hash.
    /// - Throws: ``RegistryError/Code/malformed`` if the payload does not canonicalise.
    init(seq: Int, at: Date, kind: StatementKind, target: String, payload: JSONValue, evidence: String, prevHash: String) throws(RegistryError) {
        self.seq = seq
        self.at = RegistryTime.truncated(at)
        self.kind = kind
        self.target = target
        self.payload = payload
        self.evidence = evidence
        self.prevHash = prevHash
        self.hash = try Self.computeHash(
            seq: seq,
            at: self.at,
            kind: kind,
            target: target,
            payload: payload,
            evidence: evidence,
            prevHash: prevHash
        )
    }

    /// The hash this event should have, recomputed from its other members.
    /// - Returns: Lowercase hex SHA-256.
    /// - Throws: ``RegistryError/Code/malformed`` if the payload does not canonicalise.
    public func recomputedHash() throws(RegistryError) -> String {
        try Self.computeHash(seq: seq, at: at, kind: kind, target: target, payload: payload, evidence: evidence, prevHash: prevHash)
    }

    static func computeHash(
        seq: Int,
        at: Date,
        kind: StatementKind,
        target: String,
        payload: JSONValue,
        evidence: String,
        prevHash: String
    ) throws(RegistryError) -> String {
        let body: JSONValue = [
            "seq": .number(Double(seq)),
            "at": .string(RegistryTime.format(at)),
            "kind": .string(kind.rawValue),
            "target": .string(target),
            "payload": payload,
            "evidence": .string(evidence),
            "prevHash": .string(prevHash),
        ]
        return hexString(SHA256.hash(data: try body.registryCanonicalData()))
    }

    /// The event as canonical JSON (RFC 8785), `hash` included: the form to store and to serve.
    /// - Returns: UTF-8 JSON.
    /// - Throws: ``RegistryError/Code/malformed`` if the payload does not canonicalise.
    public func jsonData() throws(RegistryError) -> Data {
        try JSONValue.registryEncoding(self).registryCanonicalData()
    }

    /// Parses a stored event.
    /// - Parameter jsonData: The JSON from ``jsonData()``.
    /// - Throws: ``RegistryError/Code/logBroken`` when the JSON is not an event (a store should hold nothing else).
    public init(jsonData: Data) throws(RegistryError) {
        do {
            self = try JSONValue(parsing: jsonData).decode(RegistryEvent.self)
        } catch {
            throw RegistryError(.logBroken, "stored event does not parse: \(error.reason)")
        }
    }

    private enum CodingKeys: String, CodingKey { case seq, at, kind, target, payload, evidence, prevHash, hash }

    /// Decodes an event (times as RFC 3339 strings). The hash is not checked here; replay checks it.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int.self, forKey: .seq)
        at = try container.decodeRegistryTime(forKey: .at)
        kind = try container.decode(StatementKind.self, forKey: .kind)
        target = try container.decode(String.self, forKey: .target)
        payload = try container.decode(JSONValue.self, forKey: .payload)
        evidence = try container.decode(String.self, forKey: .evidence)
        prevHash = try container.decode(String.self, forKey: .prevHash)
        hash = try container.decode(String.self, forKey: .hash)
    }

    /// Encodes the event.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(RegistryTime.format(at), forKey: .at)
        try container.encode(kind, forKey: .kind)
        try container.encode(target, forKey: .target)
        try container.encode(payload, forKey: .payload)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(prevHash, forKey: .prevHash)
        try container.encode(hash, forKey: .hash)
    }
}
