/// Per-byte lookup tables between the two published bit orders, and per-byte counts of non-zero entries.
///
/// Because 1, 2, 4 and 8 divide 8, every byte holds whole entries in both layouts, so a conversion is one table
/// lookup per byte. The mapping only reverses the order of the entries inside a byte (each entry keeps its own bit
/// order), so it is its own inverse: the same table converts MSB-first to LSB-first and back.
enum ByteLayoutTables {
    /// `table[byte]` with the order of the 1-bit entries reversed (a bit reversal).
    static let reverse1 = makeReverseTable(bits: 1)
    /// `table[byte]` with the order of the 2-bit entries reversed.
    static let reverse2 = makeReverseTable(bits: 2)
    /// `table[byte]` with the two 4-bit entries swapped.
    static let reverse4 = makeReverseTable(bits: 4)

    /// `table[byte]` = number of non-zero 1-bit entries in the byte (its population count).
    static let nonZero1 = makeNonZeroTable(bits: 1)
    /// `table[byte]` = number of non-zero 2-bit entries in the byte.
    static let nonZero2 = makeNonZeroTable(bits: 2)
    /// `table[byte]` = number of non-zero 4-bit entries in the byte.
    static let nonZero4 = makeNonZeroTable(bits: 4)

    /// The reversal table for an entry size, or `nil` for 8 bits where both layouts are identical.
    static func reverseTable(for size: StatusSize) -> [UInt8]? {
        switch size {
        case .one: return reverse1
        case .two: return reverse2
        case .four: return reverse4
        case .eight: return nil
        }
    }

    /// The non-zero-entry count table for an entry size, or `nil` for 8 bits (a byte is non-zero or not).
    static func nonZeroTable(for size: StatusSize) -> [UInt8]? {
        switch size {
        case .one: return nonZero1
        case .two: return nonZero2
        case .four: return nonZero4
        case .eight: return nil
        }
    }

    /// Converts a byte array between the MSB-first and LSB-first layouts for the given entry size.
    static func convert(_ bytes: [UInt8], entrySize: StatusSize) -> [UInt8] {
        guard let table = reverseTable(for: entrySize) else { return bytes }
        return table.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: bytes.count) { output, initialized in
                bytes.withUnsafeBufferPointer { input in
                    for position in 0..<input.count {
                        output[position] = table[Int(input[position])]
                    }
                }
                initialized = bytes.count
            }
        }
    }

    private static func makeReverseTable(bits: Int) -> [UInt8] {
        let mask = (1 << bits) - 1
        let perByte = 8 / bits
        return (0..<256).map { byte in
            var reversed = 0
            for slot in 0..<perByte {
                let entry = (byte >> (slot * bits)) & mask
                reversed |= entry << ((perByte - 1 - slot) * bits)
            }
            return UInt8(reversed)
        }
    }

    private static func makeNonZeroTable(bits: Int) -> [UInt8] {
        let mask = (1 << bits) - 1
        return (0..<256).map { byte in
            var count = 0
            for slot in 0..<(8 / bits) where (byte >> (slot * bits)) & mask != 0 {
                count += 1
            }
            return UInt8(count)
        }
    }
}
