import Foundation
import Testing

@testable import StatusList

@Suite("Bitstring: storage, layouts, counting")
struct BitstringTests {
    @Test("capacity rules")
    func capacity() throws {
        for size in StatusSize.allCases {
            expectStatusListError(.invalidCapacity) { _ = try Bitstring(count: 0, entrySize: size) }
            expectStatusListError(.invalidCapacity) { _ = try Bitstring(count: -8, entrySize: size) }
            expectStatusListError(.invalidCapacity) { _ = try Bitstring(count: Bitstring.maximumCapacity + 8, entrySize: size) }
            let smallest = try Bitstring(count: size.entriesPerByte, entrySize: size)
            #expect(smallest.byteCount == 1)
        }
        expectStatusListError(.invalidCapacity) { _ = try Bitstring(count: 7, entrySize: .one) }
        expectStatusListError(.invalidCapacity) { _ = try Bitstring(count: 6, entrySize: .two) }
        expectStatusListError(.invalidCapacity) { _ = try Bitstring(count: 3, entrySize: .four) }
        #expect(try Bitstring(count: 3, entrySize: .eight).byteCount == 3)
        let standard = try Bitstring()
        #expect(standard.count == 131_072 && standard.entrySize == .one && standard.byteCount == 16_384)
        #expect(Bitstring.w3cMinimumEntries == 131_072 && Bitstring.defaultCapacity == 131_072)
        expectStatusListError(.invalidCapacity) { _ = try Bitstring(msbFirstBytes: [], entrySize: .one) }
    }

    @Test("entry sizes")
    func entrySizes() throws {
        for bits in [0, 3, 5, 6, 7, 9, 16, -1] {
            expectStatusListError(.invalidEntrySize) { _ = try StatusSize(bits: bits) }
        }
        #expect(try StatusSize(bits: 4) == .four)
        #expect(StatusSize.two.maximumValue == 3 && StatusSize.eight.maximumValue == 255 && StatusSize.four.valueCount == 16)
        expectStatusListError(.invalidEntrySize) { _ = try JSONDecoder().decode([StatusSize].self, from: Data("[3]".utf8)) }
        #expect(try JSONDecoder().decode([StatusSize].self, from: Data("[1,2,4,8]".utf8)) == StatusSize.allCases)
    }

    @Test("MSB-first storage: index 0 is the left-most bit, the value's MSB left-most")
    func msbLayout() throws {
        var one = try Bitstring(count: 16, entrySize: .one)
        try one.set(1, at: 0)
        try one.set(1, at: 15)
        #expect(one.msbFirstBytes == [0x80, 0x01])
        #expect(one.lsbFirstBytes == [0x01, 0x80])

        var two = try Bitstring(count: 8, entrySize: .two)
        try two.set(1, at: 0)
        try two.set(2, at: 1)
        try two.set(3, at: 5)
        #expect(two.msbFirstBytes == [0x60, 0x30])  // VEC_B's first bytes
        #expect(two.lsbFirstBytes == [0x09, 0x0C])

        var four = try Bitstring(count: 4, entrySize: .four)
        try four.set(0xA, at: 1)
        try four.set(0x3, at: 2)
        #expect(four.msbFirstBytes == [0x0A, 0x30])
        #expect(four.lsbFirstBytes == [0xA0, 0x03])

        var eight = try Bitstring(count: 2, entrySize: .eight)
        try eight.set(0xC5, at: 1)
        #expect(eight.msbFirstBytes == [0x00, 0xC5] && eight.lsbFirstBytes == [0x00, 0xC5])
    }

    @Test("the draft's worked examples give the documented LSB-first bytes")
    func ietfWorkedExamples() throws {
        var one = try Bitstring(count: 16, entrySize: .one)
        for (index, value) in [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1].enumerated() { try one.set(UInt8(value), at: index) }
        #expect(one.lsbFirstBytes == [0xB9, 0xA3])
        var two = try Bitstring(count: 12, entrySize: .two)
        for (index, value) in [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3].enumerated() { try two.set(UInt8(value), at: index) }
        #expect(two.lsbFirstBytes == [0xC9, 0x44, 0xF9])
    }

    @Test("set and read back, overwrite, errors", arguments: StatusSize.allCases)
    func setAndGet(size: StatusSize) throws {
        var list = try Bitstring(count: 64, entrySize: size)
        try list.set(size.maximumValue, at: 10)
        #expect(list[10] == size.maximumValue)
        #expect(try list.value(at: 10) == size.maximumValue)
        #expect(list[9] == 0 && list[11] == 0)
        try list.set(1, at: 10)
        #expect(list[10] == 1)
        try list.set(0, at: 10)
        #expect(list.nonZeroCount == 0)
        expectStatusListError(.indexOutOfRange) { _ = try list.value(at: 64) }
        expectStatusListError(.indexOutOfRange) { _ = try list.value(at: -1) }
        expectStatusListError(.indexOutOfRange) { try list.set(1, at: 64) }
        if size != .eight {
            expectStatusListError(.valueOutOfRange) { try list.set(size.maximumValue + 1, at: 0) }
        }
    }

    @Test("layout tables match the two specifications' formulas on every byte", arguments: StatusSize.allCases)
    func layoutTables(size: StatusSize) throws {
        let bits = size.bits
        let perByte = 8 / bits
        let mask = Int(size.maximumValue)
        for byte in 0...255 {
            // Read the byte's entries with the W3C formula, write them with the IETF formula.
            var lsb = 0
            for slot in 0..<perByte {
                let value = (byte >> (8 - bits - slot * bits)) & mask
                lsb |= value << (slot * bits)
            }
            let converted = ByteLayoutTables.convert([UInt8(byte)], entrySize: size)
            #expect(converted == [UInt8(lsb)])
            #expect(ByteLayoutTables.convert(converted, entrySize: size) == [UInt8(byte)])
        }
    }

    @Test("reading matches the IETF formula on LSB-first data", arguments: StatusSize.allCases)
    func lsbReading(size: StatusSize) throws {
        var generator = SeededGenerator(seed: UInt64(size.bits))
        let lsb = (0..<256).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let list = try Bitstring(lsbFirstBytes: lsb, entrySize: size)
        #expect(list.count == 256 * size.entriesPerByte)
        for index in 0..<list.count {
            let byte = lsb[index / size.entriesPerByte]
            let shift = (index % size.entriesPerByte) * size.bits
            #expect(list[index] == (byte >> UInt8(shift)) & size.maximumValue)
        }
        #expect(list.lsbFirstBytes == lsb)
    }

    @Test("counting matches a brute-force count", arguments: StatusSize.allCases, [0.0, 0.01, 0.5, 1.0])
    func counting(size: StatusSize, density: Double) throws {
        let list = try randomBitstring(count: 4096, entrySize: size, density: density, seed: 99)
        var histogram = [Int](repeating: 0, count: size.valueCount)
        for index in 0..<list.count { histogram[Int(list[index])] += 1 }
        #expect(list.nonZeroCount == list.count - histogram[0])
        for value in 0..<min(size.valueCount, 256) {
            #expect(list.count(of: UInt8(value)) == histogram[value])
        }
        if size != .eight { #expect(list.count(of: size.maximumValue + 1) == 0) }
    }

    @Test("the W3C minimum length check")
    func minimumLength() throws {
        try Bitstring().requireMinimumEntries()
        let short = try Bitstring(count: 65_536)
        let error = expectStatusListError(.listTooShort) { try short.requireMinimumEntries() }
        #expect(error?.validationErrorKind == .statusListLengthError)
        try short.requireMinimumEntries(1000)
        // A 2-bit list of 32 KiB holds exactly the minimum; 16 KiB of 2-bit entries is too short.
        try Bitstring(count: 131_072, entrySize: .two).requireMinimumEntries()
        expectStatusListError(.listTooShort) {
            try Bitstring(msbFirstBytes: [UInt8](repeating: 0, count: 16_384), entrySize: .two).requireMinimumEntries()
        }
    }

    @Test("layout conversion round trips on random lists", arguments: StatusSize.allCases)
    func layoutRoundTrip(size: StatusSize) throws {
        for (seed, density) in [(1, 0.001), (2, 0.3), (3, 0.9)] {
            let list = try randomBitstring(count: 8192, entrySize: size, density: density, seed: UInt64(seed))
            #expect(try Bitstring(lsbFirstBytes: list.lsbFirstBytes, entrySize: size) == list)
            #expect(try Bitstring(msbFirstBytes: list.msbFirstBytes, entrySize: size) == list)
            if size == .one {
                // For 1-bit lists the layouts are per-byte bit reversals.
                let reversed = list.msbFirstBytes.map { byte -> UInt8 in
                    var result: UInt8 = 0
                    for bit in 0..<8 where byte & (1 << UInt8(bit)) != 0 { result |= 1 << UInt8(7 - bit) }
                    return result
                }
                #expect(list.lsbFirstBytes == reversed)
            }
        }
    }
}
