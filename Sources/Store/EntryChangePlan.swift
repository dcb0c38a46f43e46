import Foundation
import StandingAPI

/// Carries an error thrown by a caller's `validate` closure out of a store's transaction, so the store rethrows it
/// unchanged instead of mapping it like a database error.
public struct CallerValidationFailure: Error {
    /// The caller's error.
    public let underlying: any Error

    /// Wraps a caller's error.
    public init(underlying: any Error) {
        self.underlying = underlying
    }
}

extension StoreError {
    /// What every store rethrows as it is instead of mapping it as a database error: its own ``StoreError``, a
    /// caller's validation error (unwrapped), or cancellation. Nil for anything the database engine's mapping decides.
    public static func passedThrough(_ error: any Error) -> (any Error)? {
        switch error {
        case let error as StoreError: error
        case let failure as CallerValidationFailure: failure.underlying
        case let error as CancellationError: error
        default: nil
        }
    }
}

/// What a batch of ``EntryChange``s does to a list, worked out in memory from the stored values of the indices it
/// touches: the checks, the folding of repeated indices and the audit records, the same for every ``StatusStore``.
///
/// Changes apply in order, each seeing the effect of the ones before it: when an index appears more than once,
/// `validate` and the audit record of a later change see the value set by the earlier one, and the last change wins.
/// A change to the value an entry already has is skipped (no audit record) after `validate` accepted it.
public struct EntryChangePlan: Sendable {
    /// One audit record per effective change, in the order of the changes, with id 0 (the store assigns ids).
    public private(set) var records: [AuditRecord] = []
    /// The final value of every index the batch changed (0: the entry's row is deleted).
    public private(set) var finalValues: [Int: UInt8] = [:]

    /// The indices of `changes` inside `0..<capacity`, whose stored values the plan needs (out-of-range ones are
    /// refused by ``init(listId:capacity:statusSize:changes:storedValues:actor:reason:at:validate:)``, in order).
    public static func indicesToRead(_ changes: [EntryChange], capacity: Int) -> [Int] {
        changes.compactMap { $0.index >= 0 && $0.index < capacity ? $0.index : nil }
    }

    /// Checks and folds a batch.
    /// - Parameters:
    ///   - listId: The list, for messages and records.
    ///   - capacity: The list's number of entries.
    ///   - statusSize: The list's bits per entry.
    ///   - changes: The batch, in order.
    ///   - storedValues: The stored non-zero values of (at least) ``indicesToRead(_:capacity:)``.
    ///   - actor: The principal, for the records.
    ///   - reason: The reason, for the records.
    ///   - at: The time, for the records (as the store keeps it).
    ///   - validate: The caller's rule, with each change and the entry's current value.
    /// - Throws: ``StoreError/Code/rejected`` for an index outside the list or a value wider than its status size;
    ///   ``CallerValidationFailure`` wrapping what `validate` threw; ``StoreError/Code/unavailable`` for a stored
    ///   value that is not a byte.
    public init(
        listId: String,
        capacity: Int,
        statusSize: Int,
        changes: [EntryChange],
        storedValues: [Int: Int],
        actor: String,
        reason: String?,
        at: Date,
        validate: (_ change: EntryChange, _ current: UInt8) throws -> Void
    ) throws {
        let largestValue = (1 << min(max(statusSize, 0), 8)) - 1
        var values = storedValues
        records.reserveCapacity(changes.count)
        for change in changes {
            guard change.index >= 0, change.index < capacity else {
                throw StoreError(.rejected, "index \(change.index) is outside list '\(listId)' (capacity \(capacity))")
            }
            guard Int(change.value) <= largestValue else {
                throw StoreError(.rejected, "value \(change.value) does not fit the \(statusSize)-bit entries of list '\(listId)'")
            }
            guard let current = UInt8(exactly: values[change.index] ?? 0) else {
                throw StoreError(.unavailable, "entry \(change.index) of list '\(listId)' holds an invalid value")
            }
            do {
                try validate(change, current)
            } catch {
                throw CallerValidationFailure(underlying: error)
            }
            if change.value == current { continue }
            values[change.index] = Int(change.value)
            finalValues[change.index] = change.value
            records.append(
                AuditRecord(
                    id: 0, listId: listId, index: change.index, oldValue: current, newValue: change.value,
                    actor: actor, reason: reason, at: at
                )
            )
        }
    }

    /// Gives the records the consecutive ids from `firstId`, in order.
    public mutating func numberRecords(from firstId: Int64) {
        for position in records.indices {
            records[position].id = firstId + Int64(position)
        }
    }
}
