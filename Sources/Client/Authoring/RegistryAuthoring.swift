import Foundation
import Signing
import StandingAPI
import Synchronization
import TrustRegistry

/// Writing to a Standing trust registry: statements are built and signed here, with the author's key (which never
/// leaves this machine), after choosing what the registry needs (the parent accreditation, whether the subject is
/// registered yet, whether the grant exists already) from the public log, replayed and verified locally.
///
/// The CLI's registry commands are this type plus argument parsing and printing; tests drive it directly.
public struct RegistryAuthoring: Sendable {
    /// The server's client; writes need a root-authority (operator) or body token.
    public let client: StandingAdminClient
    /// The state verified so far, shared by copies of this author: later reads replay only the events after it.
    private let verified = VerifiedState()

    /// Creates an author against `client`'s server.
    public init(client: StandingAdminClient) {
        self.client = client
    }

    /// The registry state this author verified last (nil before the first read), kept so that each write replays
    /// only the events after it instead of the whole log.
    private final class VerifiedState: Sendable {
        let state = Mutex<RegistryState?>(nil)
    }

    /// A signing key as read from its file, with the key id the file names.
    public struct Signer: Sendable {
        /// The signer's DID.
        public var did: String
        public var key: SigningKey
        /// The key file's `kid` (or thumbprint), used when the registry knows no key of `did` matching `key`.
        public var fileKid: String

        /// Creates a signer.
        public init(did: String, key: SigningKey, fileKid: String) {
            self.did = did
            self.key = key
            self.fileKid = fileKid
        }

        /// Reads the signer's private JWK file (``LocalFiles/signingKey(_:)``).
        /// - Throws: ``AuthoringError`` for a file that is missing, public, or not a usable key.
        public init(did: String, keyFile: String) throws {
            let (key, kid) = try LocalFiles.signingKey(keyFile)
            self.init(did: did, key: key, fileKid: kid)
        }

        /// The DID URL to sign with: the registered key that matches, else the key file's own `kid` (the registry then
        /// refuses the statement, which is the honest outcome for an unregistered key).
        public func keyID(registered: Entity?) -> String {
            let match = registered?.keys.first { (try? VerificationKey(jwk: $0)) == key.verificationKey }
            return did + "#" + (match?.kid ?? fileKid)
        }
    }

    // MARK: Reading

    /// The registry's event log after `after`, every page.
    /// - Returns: The head the server reported last and the events in order.
    public func log(after: Int = 0) async throws -> (head: Int, events: [RegistryEvent]) {
        var events = [RegistryEvent]()
        var cursor = after
        var head = 0
        while true {
            let page = try await json("/registry/v1/log?after=\(cursor)&limit=1000")
            head = page["head"]?.integerValue ?? head
            let items = page["events"]?.arrayValue ?? []
            for item in items {
                do {
                    events.append(try item.decode(RegistryEvent.self))
                } catch {
                    throw AuthoringError("the log holds an event that does not parse: \(error.reason)")
                }
            }
            guard let last = events.last, !items.isEmpty, last.seq > cursor, last.seq < head else { break }
            cursor = last.seq
        }
        return (head, events)
    }

    /// The registry state rebuilt locally from the public log, every signature and hash re-verified.
    ///
    /// The author signs under what this state says (the parent accreditation, the root authority), so it is built
    /// from the verified log rather than taken from the server's word. The first call replays the whole log; later
    /// calls on this author (and its copies) replay only the events after the state verified last, re-reading that
    /// state's last event to check that the server's log still continues it (else the whole log is replayed again).
    public func replayedState() async throws -> RegistryState {
        if let known = verified.state.withLock({ $0 }), known.seq > 0 {
            let log = try await log(after: known.seq - 1)
            if log.events.first?.seq == known.seq, log.events.first?.hash == known.headHash {
                var state = known
                do {
                    for event in log.events.dropFirst() { try state.replay(event) }
                } catch {
                    throw AuthoringError("the registry log does not verify: \(error.reason)")
                }
                remember(state)
                return state
            }
        }
        let log = try await log()
        do {
            let state = try RegistryState.replay(log.events)
            remember(state)
            return state
        } catch {
            throw AuthoringError("the registry log does not verify: \(error.reason)")
        }
    }

    /// Keeps `state` unless a newer one was verified meanwhile.
    private func remember(_ state: RegistryState) {
        verified.state.withLock { known in
            if (known?.seq ?? -1) <= state.seq { known = state }
        }
    }

    /// Every page of an EBSI collection (`items`), following `page[after]` cursors.
    public func ebsiItems(_ path: String, cursor: (JSONValue) -> String?) async throws -> [JSONValue] {
        var items = [JSONValue]()
        var after: String?
        while true {
            var query = "page%5Bsize%5D=100"
            if let after { query += "&page%5Bafter%5D=" + StandingAdminClient.segment(after) }
            let page = try await json(path + "?" + query)
            let batch = page["items"]?.arrayValue ?? []
            items += batch
            let total = page["total"]?.integerValue ?? 0
            guard !batch.isEmpty, items.count < total, let next = batch.last.flatMap(cursor) else { break }
            after = next
        }
        return items
    }

    /// GETs `path` (public) and parses the JSON body.
    public func json(_ path: String) async throws -> JSONValue {
        let data = try await client.read(path)
        do {
            return try JSONValue(parsing: data)
        } catch {
            throw AuthoringError("GET \(path): the answer is not JSON: \(error.reason)")
        }
    }

    // MARK: Writing

    /// Builds a statement, signs it here as `signer` (under the key id the registry knows for it) and submits it.
    /// - Throws: ``AuthoringError`` when the statement cannot be built or signed; the server's refusal otherwise.
    public func signAndSubmit(
        _ signer: Signer, registered: Entity?, _ build: () throws(RegistryError) -> RegistryStatement
    ) async throws -> RecordedStatement {
        let jws: String
        do {
            jws = try build().sign(with: signer.key, keyID: signer.keyID(registered: registered))
        } catch {
            throw ScopeInput.failure(error)
        }
        return try await client.submitStatement(jws)
    }

    /// Founds the registry: the root authority's self-signed authorisation.
    public func initialise(root: Entity, signer: Signer, grant: AccreditationGrant) async throws -> RecordedStatement {
        try await signAndSubmit(signer, registered: root) { () throws(RegistryError) in
            try RegistryStatement.initialise(root: root, grant: grant, registryBaseURL: client.serverURL)
        }
    }

    /// Founds the registry with the root authority's authorisation (role RootTAO, no parent) over `scope` for the
    /// period.
    /// - Returns: The grant (its id names the root authorisation) and the recorded event.
    public func initialise(root: Entity, signer: Signer, scope: Scope, validFrom: Date, validUntil: Date) async throws
        -> (grant: AccreditationGrant, recorded: RecordedStatement)
    {
        let grant = AccreditationGrant(
            subject: root.did, role: .rootTAO, scope: [scope], validFrom: validFrom, validUntil: validUntil, parentAccreditationId: nil)
        return (grant, try await initialise(root: root, signer: signer, grant: grant))
    }

    /// Registers an accreditation body under the root authorisation (the body is added unless registered already).
    /// - Parameter root: The root authority's DID; the registry's when nil.
    /// - Returns: The grant (its id names the accreditation) and the recorded event.
    public func registerBody(
        _ body: Entity, scope: Scope, validFrom: Date, validUntil: Date, signer: (String) -> Signer, root: String?
    ) async throws -> (grant: AccreditationGrant, recorded: RecordedStatement) {
        let state = try await replayedState()
        guard let rootDID = root ?? state.rootAuthority, let parent = state.rootAuthorisationId else {
            throw AuthoringError("the registry has no root authority yet; run 'standing registry init' first")
        }
        let grant = AccreditationGrant(
            subject: body.did, role: .tao, scope: [scope], validFrom: validFrom, validUntil: validUntil, parentAccreditationId: parent)
        let recorded = try await signAndSubmit(signer(rootDID), registered: state.entity(rootDID)) { () throws(RegistryError) in
            try RegistryStatement.registerBody(
                rootAuthority: rootDID, body: state.entity(body.did) == nil ? body : nil, grant: grant, registryBaseURL: client.serverURL)
        }
        return (grant, recorded)
    }

    /// What an accreditation request came to.
    public enum AccreditationOutcome: Sendable {
        /// The statement was recorded.
        case recorded(AccreditationGrant, RecordedStatement)
        /// The subject holds this accreditation already (same accreditor, role, scope and period); nothing was sent.
        case alreadyAccredited(id: String, status: String)
    }

    /// An accreditation body accredits a subject, under the body's accreditation that covers the grant.
    /// - Parameters:
    ///   - newSubject: The subject's entity, built from its public key, for a subject the registry does not know; called
    ///     only then (nil from it means no key was given).
    ///   - startedByDefault: Whether `validFrom` was defaulted (then an existing grant started earlier matches too).
    public func accredit(
        subject: String, role: AccreditationRole, scope: Scope, validFrom: Date, validUntil: Date, startedByDefault: Bool,
        signer: Signer, newSubject: (EntityRole) throws -> Entity?
    ) async throws -> AccreditationOutcome {
        let body = signer.did
        let state = try await replayedState()
        guard let rootDID = state.rootAuthority else { throw AuthoringError("the registry has no root authority yet") }
        var subjectEntity: Entity?
        if state.entity(subject) == nil {
            guard let entity = try newSubject(role.subjectRole) else {
                throw AuthoringError("\(subject) is not registered yet: give --subject-key (its public JWK file)")
            }
            subjectEntity = entity
        }
        // The body's covering accreditation; when none covers the grant, the body's latest one, so the registry
        // names the rule the grant breaks.
        let parent =
            state.parentCandidates(body: body, scope: [scope], validFrom: validFrom, validUntil: validUntil, at: Date()).first
            ?? state.accreditations(of: body).last(where: { $0.role.mayAccredit })?.accreditationId
        guard let parent else { throw AuthoringError("\(body) holds no accreditation that allows it to accredit") }
        let grant = AccreditationGrant(
            subject: subject, role: role, scope: [scope], validFrom: validFrom, validUntil: validUntil, parentAccreditationId: parent)
        // Idempotent: the same accreditation again is reported, not added (the registry would refuse it too).
        if let existing = state.accreditation(duplicating: grant, by: body, startedBy: startedByDefault ? validFrom : nil) {
            return .alreadyAccredited(id: existing.accreditationId, status: existing.status(at: Date()).publishedStatus.rawValue)
        }
        let recorded = try await signAndSubmit(signer, registered: state.entity(body)) { () throws(RegistryError) in
            try RegistryStatement.accredit(
                accreditor: body, grant: grant, subjectEntity: subjectEntity, rootAuthority: rootDID, registryBaseURL: client.serverURL)
        }
        return .recorded(grant, recorded)
    }

    /// Suspends, reinstates or revokes an accreditation, signed by its accreditor or the root authority.
    public func changeLifecycle(_ action: LifecycleAction, of id: String, reason: String?, signer: Signer) async throws
        -> RecordedStatement
    {
        let state = try await replayedState()
        guard let rootDID = state.rootAuthority else { throw AuthoringError("the registry has no root authority yet") }
        guard let record = state.accreditation(id) else { throw AuthoringError("no accreditation has id \(id)") }
        return try await signAndSubmit(signer, registered: state.entity(signer.did)) { () throws(RegistryError) in
            try RegistryStatement.lifecycle(
                signer: signer.did,
                change: LifecycleChange(action: action, targetId: id, subject: record.subject, reason: reason),
                rootAuthority: rootDID
            )
        }
    }
}
