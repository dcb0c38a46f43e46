/// A fixed-capacity list of `count` status entries of ``entrySize`` bits each.
///
/// ## Storage layout
/// The entries live in one byte array in **MSB-first** order, the W3C Bitstring Status List wire layout: entry `i`
/// occupies bit positions `i × bits ..< (i + 1) × bits`, counting from the most significant bit of byte 0
/// (index 0 of a 1-bit list is mask `0x80` of byte 0), and the entry value's most significant bit is left-most.
/// ``msbFirstBytes`` returns this array as it is; ``lsbFirstBytes`` converts it to the IETF Token Status List
/// layout (entry `i` in byte `i / (8 / bits)` at shift `(i % (8 / bits)) × bits`, value LSB at the low bit) with
/// one 256-entry table lookup per byte.
///
/// `count × bits` is always a multiple of 8, so the array holds exactly `count × bits / 8` bytes.
public struct Bitstring: Sendable, Hashable, CustomStringConvertible {
    /// The W3C herd-privacy floor: a W3C status list must have at least 131,072 entries (for `statusSize` > 1 as
    /// well, so a 2-bit list needs 32 KiB).
    public static let w3cMinimumEntries = 131_072
    /// The default number of entries of a new list (the W3C minimum).
    public static let defaultCapacity = 131_072
    /// The largest number of entries a list may have; keeps `count × bits` far from overflow.
    public static let maximumCapacity = Int(UInt32.max) + 1

    /// The width of each entry.
    public let entrySize: StatusSize
    /// The number of entries.
    public let count: Int
    /// The entries in MSB-first order (see the type's documentation).
    private var storage: [UInt8]

    /// Creates a list with every entry 0.
    /// - Parameters:
    ///   - count: The number of entries: > 0, at most ``maximumCapacity``, and `count × bits` a multiple of 8.
    ///   - entrySize: The width of each entry.
    /// - Throws: ``StatusListError/Code/invalidCapacity``.
    public init(count: Int = Bitstring.defaultCapacity, entrySize: StatusSize = .one) throws {
        try Self.validateCapacity(count, entrySize: entrySize)
        self.entrySize = entrySize
        self.count = count
        self.storage = [UInt8](repeating: 0, count: count * entrySize.bits / 8)
    }

    /// Wraps bytes that are already in the MSB-first (W3C) layout; the list has `bytes.count × 8 / bits` entries.
    /// - Throws: ``StatusListError/Code/invalidCapacity`` for an empty or oversized array.
    public init(msbFirstBytes bytes: [UInt8], entrySize: StatusSize) throws {
        guard !bytes.isEmpty, bytes.count <= Self.maximumCapacity * entrySize.bits / 8 else {
            throw StatusListError(.invalidCapacity, "a list needs between 1 byte and \(Self.maximumCapacity) entries, got \(bytes.count) bytes")
        }
        self.entrySize = entrySize
        self.count = bytes.count * 8 / entrySize.bits
        self.storage = bytes
    }

    /// Converts bytes in the LSB-first (IETF) layout; the list has `bytes.count × 8 / bits` entries.
    /// - Throws: ``StatusListError/Code/invalidCapacity`` for an empty or oversized array.
    public init(lsbFirstBytes bytes: [UInt8], entrySize: StatusSize) throws {
        try self.init(msbFirstBytes: ByteLayoutTables.convert(bytes, entrySize: entrySize), entrySize: entrySize)
    }

    /// The entries in the MSB-first layout of W3C Bitstring Status List (the storage itself, no copy).
    public var msbFirstBytes: [UInt8] { storage }

    /// The entries in the LSB-first layout of IETF Token Status List (one table pass over the storage).
    public var lsbFirstBytes: [UInt8] { ByteLayoutTables.convert(storage, entrySize: entrySize) }

    /// The size of the uncompressed list in bytes.
    public var byteCount: Int { storage.count }

    /// The number of bits set in the list (for 1-bit entries, the number of non-zero entries).
    public var setBitCount: Int {
        storage.withUnsafeBytes { bytes in
            var count = 0
            var offset = 0
            while offset &+ 8 <= bytes.count {
                count &+= bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).nonzeroBitCount
                offset &+= 8
            }
            while offset < bytes.count {
                count &+= bytes[offset].nonzeroBitCount
                offset &+= 1
            }
            return count
        }
    }

    /// Reads the entry at `index` without error handling, for hot paths that have already checked the index.
    ///
    /// - Precondition: `0 <= index < count`. Violating it traps; use ``value(at:)`` for untrusted indices.
    public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "Bitstring index \(index) out of range 0..<\(count)")
        let bits = entrySize.rawValue
        let bitPosition = index &* bits
        let byte = storage[bitPosition &>> 3]
        let shift = 8 &- bits &- (bitPosition & 7)
        return (byte &>> UInt8(truncatingIfNeeded: shift)) & entrySize.maximumValue
    }

    /// Reads the entry at `index`.
    /// - Throws: ``StatusListError/Code/indexOutOfRange`` unless `0 <= index < count`.
    public func value(at index: Int) throws -> UInt8 {
        try checkIndex(index)
        return self[index]
    }

    /// Writes the entry at `index`.
    /// - Parameters:
    ///   - value: The new value, below 2^``entrySize``.
    ///   - index: The entry, `0 <= index < count`.
    /// - Throws: ``StatusListError/Code/indexOutOfRange`` or ``StatusListError/Code/valueOutOfRange``.
    public mutating func set(_ value: UInt8, at index: Int) throws {
        try checkIndex(index)
        guard value <= entrySize.maximumValue else {
            throw StatusListError(
                .valueOutOfRange,
                "value \(value) does not fit in a \(entrySize) entry (maximum \(entrySize.maximumValue))"
            )
        }
        let bits = entrySize.rawValue
        let bitPosition = index * bits
        let shift = UInt8(8 - bits - bitPosition % 8)
        let mask = entrySize.maximumValue << shift
        let byteIndex = bitPosition / 8
        storage[byteIndex] = (storage[byteIndex] & ~mask) | (value << shift)
    }

    /// The number of entries whose value is not 0 (one table lookup per byte).
    public var nonZeroCount: Int {
        storage.withUnsafeBufferPointer { bytes in
            guard let table = ByteLayoutTables.nonZeroTable(for: entrySize) else {
                var total = 0
                for byte in bytes where byte != 0 { total += 1 }
                return total
            }
            return table.withUnsafeBufferPointer { table in
                var total = 0
                for byte in bytes { total += Int(table[Int(byte)]) }
                return total
            }
        }
    }

    /// The number of entries holding `value` (a value that does not fit the entry size occurs 0 times).
    public func count(of value: UInt8) -> Int {
        if value == 0 { return count - nonZeroCount }
        guard value <= entrySize.maximumValue else { return 0 }
        let bits = entrySize.rawValue
        let mask = entrySize.maximumValue
        var total = 0
        for byte in storage where byte != 0 {
            var shift = 0
            while shift < 8 {
                if (byte >> UInt8(shift)) & mask == value { total += 1 }
                shift += bits
            }
        }
        return total
    }

    /// Checks the W3C minimum length rule (validation step "bitLength / statusSize < minimum").
    /// - Parameter minimum: The minimum number of entries; ``w3cMinimumEntries`` unless an ecosystem sets another.
    /// - Throws: ``StatusListError/Code/listTooShort`` (STATUS_LIST_LENGTH_ERROR).
    public func requireMinimumEntries(_ minimum: Int = Bitstring.w3cMinimumEntries) throws {
        guard count >= minimum else {
            throw StatusListError(.listTooShort, "the list has \(count) entries, fewer than the minimum of \(minimum)")
        }
    }

    public var description: String { "Bitstring(count: \(count), entrySize: \(entrySize), nonZero: \(nonZeroCount))" }

    private func checkIndex(_ index: Int) throws {
        guard index >= 0 && index < count else {
            throw StatusListError(.indexOutOfRange, "index \(index) is outside the list's range 0..<\(count)")
        }
    }

    static func validateCapacity(_ count: Int, entrySize: StatusSize) throws {
        guard count > 0 && count <= maximumCapacity else {
            throw StatusListError(.invalidCapacity, "a list needs between 1 and \(maximumCapacity) entries, got \(count)")
        }
        guard count * entrySize.bits % 8 == 0 else {
            throw StatusListError(
                .invalidCapacity,
                "\(count) entries of \(entrySize) do not fill whole bytes; use a multiple of \(entrySize.entriesPerByte)"
            )
        }
    }
}
