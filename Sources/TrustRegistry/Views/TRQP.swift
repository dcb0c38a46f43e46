import Foundation
import Signing

/// A TRQP v2.0 authorization (or recognition) query body:
/// `{entity_id, authority_id, action, resource, context?}`; `context` members are strings (`time`, plus this
/// registry's `eqfLevel`, `jurisdiction`, `iscedF`; unknown members are ignored, as TRQP versioning requires).
public struct TRQPQuery: Codable, Sendable, Hashable {
    /// `entity_id`.
    public var entityID: String
    /// `authority_id`.
    public var authorityID: String
    /// `action`, e.g. `issue`, `accredit`, `recognize`.
    public var action: String
    /// `resource`: a credential type or schema id.
    public var resource: String
    /// `context`: string members only.
    public var context: [String: String]?

    /// The largest request body accepted (64 KiB).
    public static let maximumBodyLength = 64 << 10

    /// Creates a query.
    /// - Parameters:
    ///   - entityID: `entity_id`.
    ///   - authorityID: `authority_id`.
    ///   - action: `action`.
    ///   - resource: `resource`.
    ///   - context: `context`.
    public init(entityID: String, authorityID: String, action: String, resource: String, context: [String: String]? = nil) {
        self.entityID = entityID
        self.authorityID = authorityID
        self.action = action
        self.resource = resource
        self.context = context
    }

    private enum CodingKeys: String, CodingKey {
        case entityID = "entity_id"
        case authorityID = "authority_id"
        case action, resource, context
    }

    /// Parses a request body strictly.
    /// - Parameter body: The JSON body.
    /// - Returns: The query.
    /// - Throws: ``RegistryError/Code/malformed`` (HTTP 400) for invalid JSON, a missing or empty required member, a
    ///   non-string `context` member, or a `context.time` that is not RFC 3339.
    public static func parse(_ body: Data) throws(RegistryError) -> TRQPQuery {
        guard body.count <= maximumBodyLength else { throw RegistryError(.malformed, "request body is larger than 64 KiB") }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body, maximumDepth: 8)
        } catch {
            throw RegistryError(.malformed, "request body is not JSON: \(error.reason)")
        }
        let reader = try JSONObjectReader(json, context: "request")
        var context: [String: String]?
        if reader.has("context") {
            guard let members = json["context"]?.objectValue else { throw RegistryError(.malformed, "context is not an object") }
            var strings = [String: String]()
            for (name, value) in members {
                guard let text = value.stringValue else { throw RegistryError(.malformed, "context member \(name) is not a string") }
                strings[name] = text
            }
            context = strings
        }
        let query = TRQPQuery(
            entityID: try reader.string("entity_id", maximumLength: 2048),
            authorityID: try reader.string("authority_id", maximumLength: 2048),
            action: try reader.string("action", maximumLength: 256),
            resource: try reader.string("resource", maximumLength: 2048),
            context: context
        )
        _ = try query.queryContext()
        return query
    }

    /// The typed context: `time` (RFC 3339, `Z` recommended; blank means the evaluation time), `eqfLevel`,
    /// `jurisdiction`, `iscedF`.
    /// - Returns: The context.
    /// - Throws: ``RegistryError/Code/malformed`` for a `time` that does not parse.
    public func queryContext() throws(RegistryError) -> QueryContext {
        var time: Date?
        if let text = context?["time"], !text.isEmpty { time = try RegistryTime.parse(text) }
        func nonEmpty(_ name: String) -> String? { context?[name].flatMap { $0.isEmpty ? nil : $0 } }
        return QueryContext(time: time, eqfLevel: nonEmpty("eqfLevel"), jurisdiction: nonEmpty("jurisdiction"), iscedF: nonEmpty("iscedF"))
    }
}

/// A TRQP v2.0 authorization response with the exact member names: `entity_id`, `authority_id`, `action`,
/// `resource`, `authorized`, `time_requested`, `time_evaluated`, `message`, `context`.
public struct TRQPAuthorizationResponse: Codable, Sendable, Hashable {
    /// `entity_id`.
    public var entityID: String
    /// `authority_id`.
    public var authorityID: String
    /// `action`.
    public var action: String
    /// `resource`.
    public var resource: String
    /// `authorized`.
    public var authorized: Bool
    /// `time_requested`: the echo of `context.time`, absent when the query gave none.
    public var timeRequested: String?
    /// `time_evaluated`: when the registry evaluated the query.
    public var timeEvaluated: String
    /// `message`: names the deciding accreditation and the sequence number, or the reason for a denial.
    public var message: String
    /// `context`: the query's context, echoed.
    public var context: [String: String]?

    private enum CodingKeys: String, CodingKey {
        case entityID = "entity_id"
        case authorityID = "authority_id"
        case action, resource, authorized
        case timeRequested = "time_requested"
        case timeEvaluated = "time_evaluated"
        case message, context
    }
}

extension TRQPAuthorizationResponse {
    /// The response as JSON, byte for byte what `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes`
    /// writes (the encoding of every JSON response of the server), without `JSONEncoder`'s per-call cost: this is the
    /// answer to the registry's most frequent query.
    /// - Returns: The UTF-8 bytes.
    /// - Throws: What `JSONEncoder` throws, for a context with non-ASCII member names (which it encodes).
    public func sortedJSON() throws -> [UInt8] {
        try TRQPResponseWriter.write(
            decisionMember: "authorized", decision: authorized, entityID: entityID, authorityID: authorityID, action: action,
            resource: resource, timeRequested: timeRequested, timeEvaluated: timeEvaluated, message: message, context: context
        ) { try JSONEncoder.sortedWithoutEscapingSlashes.encode(self) }
    }
}

extension TRQPRecognitionResponse {
    /// The response as JSON, as ``TRQPAuthorizationResponse/sortedJSON()`` writes it.
    /// - Returns: The UTF-8 bytes.
    /// - Throws: What `JSONEncoder` throws, for a context with non-ASCII member names (which it encodes).
    public func sortedJSON() throws -> [UInt8] {
        try TRQPResponseWriter.write(
            decisionMember: "recognized", decision: recognized, entityID: entityID, authorityID: authorityID, action: action,
            resource: resource, timeRequested: timeRequested, timeEvaluated: timeEvaluated, message: message, context: context
        ) { try JSONEncoder.sortedWithoutEscapingSlashes.encode(self) }
    }
}

extension JSONEncoder {
    /// A fresh encoder with `.sortedKeys` and `.withoutEscapingSlashes`.
    fileprivate static var sortedWithoutEscapingSlashes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Writes the TRQP responses' members in `JSONEncoder`'s sorted order: `action`, `authority_id`, `authorized` (or
/// `recognized`, placed where it sorts), `context`, `entity_id`, `message`, `resource`, `time_evaluated`,
/// `time_requested`; a nil `time_requested` or `context` is left out, as the synthesised `Encodable` does.
private enum TRQPResponseWriter {
    static func write(
        decisionMember: StaticString, decision: Bool, entityID: String, authorityID: String, action: String, resource: String,
        timeRequested: String?, timeEvaluated: String, message: String, context: [String: String]?,
        encoded: () throws -> Data
    ) throws -> [UInt8] {
        // Context member names sort the same way whatever the comparison (bytes, UTF-16, scalars) only when they are
        // ASCII; any other name takes the general encoder, so the order is never a guess.
        guard context?.keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) ?? true else {
            return Array(try encoded())
        }
        var output = [UInt8]()
        output.reserveCapacity(256 + entityID.utf8.count + authorityID.utf8.count + resource.utf8.count + message.utf8.count)
        var first = true
        func member(_ name: StaticString) {
            output.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            output.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { output.append(contentsOf: $0) }
            output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ name: StaticString, _ value: String) {
            member(name)
            JSONValue.appendQuoted(value, to: &output)
        }
        func flag() {
            member(decisionMember)
            output.append(contentsOf: (decision ? "true" : "false").utf8)
        }
        string("action", action)
        string("authority_id", authorityID)
        // "authorized" sorts before "context"; "recognized" after "message".
        let decisionFirst = decisionMember.utf8Start[0] == UInt8(ascii: "a")
        if decisionFirst { flag() }
        if let context {
            member("context")
            output.append(UInt8(ascii: "{"))
            for (index, key) in context.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONValue.appendQuoted(key, to: &output)
                output.append(UInt8(ascii: ":"))
                JSONValue.appendQuoted(context[key] ?? "", to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
        string("entity_id", entityID)
        string("message", message)
        if !decisionFirst { flag() }
        string("resource", resource)
        string("time_evaluated", timeEvaluated)
        if let timeRequested { string("time_requested", timeRequested) }
        output.append(UInt8(ascii: "}"))
        return output
    }
}

/// A TRQP v2.0 recognition response: as the authorization response with `recognized` instead of `authorized`.
public struct TRQPRecognitionResponse: Codable, Sendable, Hashable {
    /// `entity_id`.
    public var entityID: String
    /// `authority_id`.
    public var authorityID: String
    /// `action`.
    public var action: String
    /// `resource`.
    public var resource: String
    /// `recognized`.
    public var recognized: Bool
    /// `time_requested`.
    public var timeRequested: String?
    /// `time_evaluated`.
    public var timeEvaluated: String
    /// `message`.
    public var message: String
    /// `context`.
    public var context: [String: String]?

    private enum CodingKeys: String, CodingKey {
        case entityID = "entity_id"
        case authorityID = "authority_id"
        case action, resource, recognized
        case timeRequested = "time_requested"
        case timeEvaluated = "time_evaluated"
        case message, context
    }
}

/// The non-normative `GET /trqp/metadata` document (Ayra profile / TRQP RFE #177 style).
public struct TRQPMetadata: Codable, Sendable, Hashable {
    /// The registry's authority id (the root DID).
    public var id: String
    /// The registry's name.
    public var name: String
    /// A description.
    public var description: String
    /// Controllers (the root DID).
    public var controllers: [String]
    /// The default ecosystem governance framework DID (the root DID).
    public var defaultEGFDID: String
    /// `2.0`.
    public var trqpVersion: String
    /// `authorization`, `recognition`.
    public var queryTypes: [String]
    /// The query endpoint base.
    public var trqpEndpointUrl: String
    /// The governance framework URL.
    public var governanceFrameworkUrl: String?
    /// The actions this registry defines.
    public var actions: [String]
    /// The context members this registry understands.
    public var contextMembers: [String]
    /// The sequence number the document reflects.
    public var seq: Int

    private enum CodingKeys: String, CodingKey {
        case id, name, description, controllers
        case defaultEGFDID = "default_egf_did"
        case trqpVersion, queryTypes, trqpEndpointUrl, governanceFrameworkUrl, actions, contextMembers, seq
    }
}

extension RegistryState {
    /// `POST /trqp/authorization`.
    /// - Parameters:
    ///   - query: The parsed query.
    ///   - now: The evaluation time (`time_evaluated`, and the instant when the query has no `context.time`).
    /// - Returns: The response, stamped.
    /// - Throws: ``RegistryError/Code/unknownAuthority`` (HTTP 404) for an unknown `authority_id`;
    ///   ``RegistryError/Code/malformed`` (HTTP 400) for a bad `context.time`.
    public func trqpAuthorization(_ query: TRQPQuery, now: Date = Date()) throws(RegistryError) -> Stamped<TRQPAuthorizationResponse> {
        let context = try query.queryContext()
        let decision = try authorization(
            entity: query.entityID,
            authority: query.authorityID,
            action: query.action,
            resource: query.resource,
            context: context,
            now: now
        )
        let response = TRQPAuthorizationResponse(
            entityID: query.entityID,
            authorityID: query.authorityID,
            action: query.action,
            resource: query.resource,
            authorized: decision.authorized,
            timeRequested: context.time.map(RegistryTime.format),
            timeEvaluated: RegistryTime.format(now),
            message: decision.message,
            context: query.context
        )
        return Stamped(seq: seq, body: response)
    }

    /// `POST /trqp/recognition`.
    /// - Parameters:
    ///   - query: The parsed query.
    ///   - now: The evaluation time.
    /// - Returns: The response, stamped.
    /// - Throws: As ``trqpAuthorization(_:now:)``.
    public func trqpRecognition(_ query: TRQPQuery, now: Date = Date()) throws(RegistryError) -> Stamped<TRQPRecognitionResponse> {
        let context = try query.queryContext()
        let decision = try recognition(
            entity: query.entityID,
            authority: query.authorityID,
            action: query.action,
            resource: query.resource,
            context: context,
            now: now
        )
        let response = TRQPRecognitionResponse(
            entityID: query.entityID,
            authorityID: query.authorityID,
            action: query.action,
            resource: query.resource,
            recognized: decision.authorized,
            timeRequested: context.time.map(RegistryTime.format),
            timeEvaluated: RegistryTime.format(now),
            message: decision.message,
            context: query.context
        )
        return Stamped(seq: seq, body: response)
    }

    /// `GET /trqp/metadata`.
    /// - Parameters:
    ///   - baseURL: The registry's public base URL (the endpoint is `<base>/trqp`).
    ///   - governanceFrameworkURL: The governance framework's URL, if published.
    ///   - description: A description.
    /// - Returns: The document, stamped.
    /// - Throws: ``RegistryError/Code/unknownAuthority`` before initialisation.
    public func trqpMetadata(
        baseURL: String,
        governanceFrameworkURL: String? = nil,
        description: String? = nil
    ) throws(RegistryError)
        -> Stamped<TRQPMetadata>
    {
        guard let root = rootAuthority, let entity = entities[root] else {
            throw RegistryError(.unknownAuthority, "the registry is not initialised")
        }
        let metadata = TRQPMetadata(
            id: root,
            name: entity.displayName,
            description: description ?? "Accreditation registry of \(entity.displayName): issuers and accreditation bodies by scope",
            controllers: [root],
            defaultEGFDID: root,
            trqpVersion: "2.0",
            queryTypes: ["authorization", "recognition"],
            trqpEndpointUrl: AccreditationCredential.trimmedBase(baseURL) + "/trqp",
            governanceFrameworkUrl: governanceFrameworkURL,
            actions: [RegistryAction.issue, RegistryAction.accredit, RegistryAction.recognize],
            contextMembers: ["time", "eqfLevel", "jurisdiction", "iscedF"],
            seq: seq
        )
        return Stamped(seq: seq, body: metadata)
    }
}
