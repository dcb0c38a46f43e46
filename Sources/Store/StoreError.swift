/// An error from a store: a stable ``Code`` and a precise reason.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case notFound, conflict, listFull, rejected, unavailable
        }

        let value: Value
        /// The list, entry, token or record does not exist.
        public static let notFound = Code(value: .notFound)
        /// The record exists already (duplicate id).
        public static let conflict = Code(value: .conflict)
        /// Not enough unallocated entries left in the list.
        public static let listFull = Code(value: .listFull)
        /// A change was refused by the caller's rule; nothing was written.
        public static let rejected = Code(value: .rejected)
        /// The database failed (I/O, corruption, busy beyond the timeout).
        public static let unavailable = Code(value: .unavailable)

        public var description: String { value.rawValue }
    }

    public let code: Code
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
