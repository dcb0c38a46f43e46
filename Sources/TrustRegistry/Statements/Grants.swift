import Crypto
import Foundation

/// The content of an accreditation decision, as an accreditation body's CLI fills it in before signing.
public struct AccreditationGrant: Sendable, Hashable {
    /// The id the accreditor reserves: 32 random bytes as lowercase hex (see ``newID()``).
    public var accreditationId: String
    /// The accredited DID.
    public var subject: String
    /// `TI` for an issuer, `TAO` for a (sub-)body, `RootTAO` only for the root authority's own authorisation.
    public var role: AccreditationRole
    /// The granted scope entries.
    public var scope: [Scope]
    /// Start of the period (inclusive; whole seconds).
    public var validFrom: Date
    /// End of the period (exclusive; whole seconds).
    public var validUntil: Date
    /// The accreditor's own accreditation that covers this grant (required unless `role` is `RootTAO`).
    public var parentAccreditationId: String?

    /// Creates a grant; dates are truncated to whole seconds.
    /// - Parameters:
    ///   - accreditationId: The reserved id.
    ///   - subject: The accredited DID.
    ///   - role: The role.
    ///   - scope: Scope entries.
    ///   - validFrom: Period start.
    ///   - validUntil: Period end.
    ///   - parentAccreditationId: The accreditor's covering accreditation.
    public init(
        accreditationId: String = AccreditationGrant.newID(),
        subject: String,
        role: AccreditationRole,
        scope: [Scope],
        validFrom: Date,
        validUntil: Date,
        parentAccreditationId: String?
    ) {
        self.accreditationId = accreditationId
        self.subject = subject
        self.role = role
        self.scope = scope
        self.validFrom = RegistryTime.truncated(validFrom)
        self.validUntil = RegistryTime.truncated(validUntil)
        self.parentAccreditationId = parentAccreditationId
    }

    /// A fresh random id: 32 bytes as 64 lowercase hex characters (EBSI's reserved attribute id).
    /// - Returns: The id.
    public static func newID() -> String {
        hexString(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// A deterministic id: the hex SHA-256 of `seed`. For importers that must find the accreditations they made again
    /// (a re-import derives the same id from the same source record), where a fresh random id would duplicate them.
    /// - Parameter seed: A text naming the source record, unique within the importer's namespace.
    /// - Returns: 64 lowercase hex characters.
    public static func derivedID(from seed: String) -> String {
        hexString(SHA256.hash(data: Data(seed.utf8)))
    }

    /// Checks the grant's own shape (not its relation to the registry's state).
    /// - Throws: ``RegistryError/Code/malformed`` for a bad id, subject, scope, an empty period or a missing parent.
    public func validate() throws(RegistryError) {
        guard isRegistryID(accreditationId) else {
            throw RegistryError(.malformed, "accreditation id must be 64 lowercase hex characters")
        }
        try Entity.validateDID(subject)
        try scope.validateScope()
        guard validFrom < validUntil else {
            throw RegistryError(
                .malformed,
                "validUntil \(RegistryTime.format(validUntil)) must be after validFrom \(RegistryTime.format(validFrom))"
            )
        }
        if role == .rootTAO {
            guard parentAccreditationId == nil else {
                throw RegistryError(.malformed, "the root authorisation has no parent accreditation")
            }
        } else {
            guard let parentAccreditationId, isRegistryID(parentAccreditationId) else {
                throw RegistryError(.malformed, "parentAccreditation must name the accreditor's own accreditation (64 hex characters)")
            }
        }
    }
}

/// The content of a recognition the root authority grants (for TRQP `/recognition`).
public struct RecognitionGrant: Sendable, Hashable {
    /// 32 random bytes as lowercase hex.
    public var recognitionId: String
    /// The recognised authority (a DID or an `https` URL).
    public var entity: String
    /// Recognised actions, e.g. `recognize`.
    public var actions: [String]
    /// Recognised resources, e.g. `accreditation-decisions`.
    public var resources: [String]
    /// Display names by language.
    public var names: [String: String]
    /// Start of the period (inclusive).
    public var validFrom: Date
    /// End of the period (exclusive).
    public var validUntil: Date

    /// Creates a grant; dates are truncated to whole seconds, actions and resources sorted and deduplicated.
    /// - Parameters:
    ///   - recognitionId: The id.
    ///   - entity: The recognised authority.
    ///   - actions: Actions.
    ///   - resources: Resources.
    ///   - names: Display names.
    ///   - validFrom: Period start.
    ///   - validUntil: Period end.
    public init(
        recognitionId: String = AccreditationGrant.newID(),
        entity: String,
        actions: [String],
        resources: [String],
        names: [String: String] = [:],
        validFrom: Date,
        validUntil: Date
    ) {
        self.recognitionId = recognitionId
        self.entity = entity
        self.actions = Array(Set(actions)).sorted()
        self.resources = Array(Set(resources)).sorted()
        self.names = names
        self.validFrom = RegistryTime.truncated(validFrom)
        self.validUntil = RegistryTime.truncated(validUntil)
    }

    /// Checks the grant's shape.
    /// - Throws: ``RegistryError/Code/malformed`` naming the member at fault.
    public func validate() throws(RegistryError) {
        guard isRegistryID(recognitionId) else { throw RegistryError(.malformed, "recognition id must be 64 lowercase hex characters") }
        guard RegistryVocabulary.isAbsoluteURI(entity) else {
            throw RegistryError(.malformed, "recognised entity \"\(entity.prefix(80))\" is not a DID or URI")
        }
        if entity.hasPrefix("did:") { try Entity.validateDID(entity) }
        guard !actions.isEmpty, actions.count <= 16, actions.allSatisfy({ !$0.isEmpty && $0.count <= 256 }) else {
            throw RegistryError(.malformed, "a recognition needs 1 to 16 non-empty actions")
        }
        guard !resources.isEmpty, resources.count <= Scope.maximumValues, resources.allSatisfy({ !$0.isEmpty && $0.count <= 2048 }) else {
            throw RegistryError(.malformed, "a recognition needs 1 to \(Scope.maximumValues) non-empty resources")
        }
        for (language, name) in names where !Entity.isLanguageTag(language) || name.isEmpty || name.count > 512 {
            throw RegistryError(.malformed, "recognition name in \"\(language)\" is not a tagged non-empty name")
        }
        guard validFrom < validUntil else { throw RegistryError(.malformed, "recognition validUntil must be after validFrom") }
    }
}

/// The three lifecycle changes an accreditor (or the root authority) can sign.
public enum LifecycleAction: String, Codable, Sendable, Hashable, CaseIterable {
    /// Active → suspended (reason required).
    case suspend
    /// Suspended → active.
    case reinstate
    /// Active or suspended (or expired) → revoked, final (reason required).
    case revoke

    /// The status the change leads to.
    public var resultingStatus: AccreditationStatus {
        switch self {
        case .suspend: .suspended
        case .reinstate: .active
        case .revoke: .revoked
        }
    }
}

/// A lifecycle change as a statement carries it.
public struct LifecycleChange: Sendable, Hashable {
    /// What to do.
    public var action: LifecycleAction
    /// The accreditation (or recognition) id.
    public var targetId: String
    /// The target's subject DID (recognised entity for recognitions), repeated as a guard against wrong ids.
    public var subject: String
    /// Why; required for `suspend` and `revoke`.
    public var reason: String?

    /// Creates a change.
    /// - Parameters:
    ///   - action: The action.
    ///   - targetId: The target id.
    ///   - subject: The target's subject.
    ///   - reason: The reason.
    public init(action: LifecycleAction, targetId: String, subject: String, reason: String?) {
        self.action = action
        self.targetId = targetId
        self.subject = subject
        self.reason = reason
    }

    /// Checks the change's shape.
    /// - Throws: ``RegistryError/Code/malformed`` for a bad id or a missing/oversized reason.
    public func validate() throws(RegistryError) {
        guard isRegistryID(targetId) else { throw RegistryError(.malformed, "accreditation id must be 64 lowercase hex characters") }
        if action != .reinstate {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw RegistryError(.malformed, "a reason is required to \(action.rawValue)")
            }
        }
        if let reason, reason.count > 1024 { throw RegistryError(.malformed, "the reason is longer than 1024 characters") }
    }
}
