/// The width of one status entry in bits: 1, 2, 4 or 8.
///
/// These are the widths IETF Token Status List allows (`bits`) and the ones whose entries never straddle a byte.
/// W3C allows any `statusSize` > 0, but widths other than these are rejected with
/// ``StatusListError/Code/invalidEntrySize``.
public enum StatusSize: Int, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// One bit per entry: two values (the W3C default).
    case one = 1
    /// Two bits per entry: four values.
    case two = 2
    /// Four bits per entry: sixteen values.
    case four = 4
    /// Eight bits per entry: 256 values.
    case eight = 8

    /// Creates a size from a bit count.
    /// - Parameter bits: 1, 2, 4 or 8.
    /// - Throws: ``StatusListError/Code/invalidEntrySize`` for any other value.
    public init(bits: Int) throws {
        guard let size = StatusSize(rawValue: bits) else {
            throw StatusListError(.invalidEntrySize, "entry size must be 1, 2, 4 or 8 bits, got \(bits)")
        }
        self = size
    }

    /// Decodes from a JSON integer, rejecting sizes other than 1, 2, 4 and 8 with
    /// ``StatusListError/Code/invalidEntrySize``.
    public init(from decoder: any Decoder) throws {
        let bits = try decoder.singleValueContainer().decode(Int.self)
        try self.init(bits: bits)
    }

    /// The number of bits per entry.
    public var bits: Int { rawValue }

    /// The number of distinct values an entry can hold (2^bits).
    public var valueCount: Int { 1 << rawValue }

    /// The largest value an entry can hold (2^bits - 1).
    public var maximumValue: UInt8 { UInt8(truncatingIfNeeded: (1 << rawValue) - 1) }

    /// How many entries share one byte.
    public var entriesPerByte: Int { 8 / rawValue }

    public var description: String { rawValue == 1 ? "1 bit" : "\(rawValue) bits" }
}
