import StandingAPI
import StatusList
import Store

/// The rules that follow from a list's purpose and message table: which values an entry may take, which
/// transitions are final, and which wire formats can express the list.
///
/// Pure and exhaustively tested; the service runs ``validate(_:current:)`` inside the store transaction.
public struct ListRules: Sendable {
    public let purpose: ListPurpose
    public let statusSize: Int
    public let statusMessages: [StatusMessage]

    /// Creates the rules of a list definition.
    public init(_ list: StatusListDefinition) {
        self.init(purpose: list.purpose, statusSize: list.statusSize, statusMessages: list.statusMessages)
    }

    /// Creates rules from a list's parameters.
    public init(purpose: ListPurpose, statusSize: Int, statusMessages: [StatusMessage]) {
        self.purpose = purpose
        self.statusSize = statusSize
        self.statusMessages = statusMessages
    }

    /// The IETF status types (draft-ietf-oauth-status-list §7) as a W3C message table of `size` bits:
    /// 0 VALID, 1 INVALID, 2 SUSPENDED, 3 and 0x0C-0x0F application specific, the rest reserved.
    public static func ietfStatusTypeMessages(statusSize: Int) -> [StatusMessage] {
        (0..<(1 << statusSize)).compactMap { value in
            let name =
                switch value {
                case 0: "valid"
                case 1: "invalid"
                case 2: "suspended"
                case 3, 0x0C...0x0F: "application_specific"
                default: "reserved"
                }
            return try? StatusMessage(value: value, message: name)
        }
    }

    /// Whether the list carries the IETF status types, so that it is publishable as an IETF Token Status List.
    ///
    /// A 1-bit `revocation` list is one (1 = INVALID). A `message` list is one when its table is exactly
    /// ``ietfStatusTypeMessages(statusSize:)``. A `suspension` list is not: IETF's SUSPENDED is 2, which a
    /// 1-bit list cannot hold, and publishing its 1s as INVALID would misstate them.
    public var ietfExpressible: Bool {
        switch purpose {
        case .revocation: statusSize == 1
        case .message: statusSize >= 2 && statusMessages == Self.ietfStatusTypeMessages(statusSize: statusSize)
        case .suspension, .refresh: false
        }
    }

    /// Checks that `change` may be applied to an entry whose current value is `current`.
    /// - Throws: ``ServiceError`` with code `invalidValue` or `forbiddenTransition`, naming the rule.
    public func validate(_ change: EntryChange, current: UInt8) throws(ServiceError) {
        let limit = 1 << statusSize
        guard Int(change.value) < limit else {
            throw ServiceError(.invalidValue, "value \(change.value) does not fit a \(statusSize)-bit entry (0...\(limit - 1))")
        }
        if ietfExpressible && purpose == .message {
            let value = Int(change.value)
            guard value <= 3 || (0x0C...0x0F).contains(value) else {
                throw ServiceError(.invalidValue, "value \(value) is reserved in the IETF status types (allowed: 0-3, 12-15)")
            }
        }
        guard change.value != current else { return }
        switch purpose {
        case .revocation where current != 0:
            throw ServiceError(.forbiddenTransition, "entry \(change.index) is revoked; revocation is final")
        case .refresh where current != 0:
            throw ServiceError(.forbiddenTransition, "entry \(change.index) is marked for refresh; refresh is not reversible")
        case .message where ietfExpressible && current == 1:
            throw ServiceError(.forbiddenTransition, "entry \(change.index) is INVALID; revocation is final")
        default:
            return
        }
    }

    /// The value `intent` stands for on this list: what the admin API writes for `{"index", "intent"}`.
    ///
    /// The purpose and message table decide, not a fixed number: a message list's own table says which value means
    /// revoked or suspended (the IETF table: 1 INVALID, 2 SUSPENDED), so a list whose value 2 means something else is
    /// never "suspended" by accident. Reinstating is always 0; whether 0 may follow the current value is
    /// ``validate(_:current:)``'s question (revocation stays final).
    /// - Parameter listId: Names the list in the error.
    /// - Throws: ``ServiceError`` `invalidValue` when the list cannot express the intent.
    public func value(for intent: StatusIntent, listId: String) throws(ServiceError) -> UInt8 {
        switch (intent, purpose) {
        case (.reinstate, _):
            return 0
        case (.revoke, .revocation), (.suspend, .suspension):
            return 1
        case (.revoke, .message):
            if let value = messageValue(meaning: Self.revocationMessages) { return value }
            throw ServiceError(
                .invalidValue,
                "list '\(listId)' cannot express revocation: none of its messages is \(Self.revocationMessages.joined(separator: " or ")); "
                    + "give the value instead")
        case (.suspend, .message):
            if let value = messageValue(meaning: Self.suspensionMessages) { return value }
        case (.revoke, .suspension):
            throw ServiceError(
                .invalidValue, "list '\(listId)' is a suspension list and cannot express revocation; suspend or reinstate its entries instead")
        case (.revoke, .refresh):
            throw ServiceError(.invalidValue, "list '\(listId)' is a refresh list and cannot express revocation; use a revocation list")
        case (.suspend, .revocation), (.suspend, .refresh):
            break
        }
        throw ServiceError(.invalidValue, "list '\(listId)' cannot express suspension; use a suspension list or an IETF status list")
    }

    /// Messages (compared without case) that mean an entry is revoked; `invalid` is the IETF status type's name.
    static let revocationMessages = ["invalid", "revoked"]
    /// Messages (compared without case) that mean an entry is suspended; `suspended` is the IETF status type's name.
    static let suspensionMessages = ["suspended"]

    /// The lowest value whose message is one of `names`.
    private func messageValue(meaning names: [String]) -> UInt8? {
        let value = statusMessages.first { names.contains($0.message.lowercased()) }?.value
        return value.flatMap { UInt8(exactly: $0) }
    }
}
