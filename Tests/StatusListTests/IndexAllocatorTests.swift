import Foundation
import Testing

@testable import StatusList

@Suite("SipHash-2-4 and the index allocator")
struct IndexAllocatorTests {
    static let referenceKey: [UInt8] = Array(0..<16)

    @Test("SipHash-2-4 reference vectors (paper appendix A and vectors.h)")
    func sipHashVectors() {
        let sip = SipHash24(key: Self.referenceKey)
        // Paper, Appendix A: key 00..0f, message 00..0e.
        #expect(sip.hash(Array(0..<15)) == 0xA129_CA61_49BE_45E5)
        // vectors.h, messages 00..(n-1) for n = 0, 1, 7.
        #expect(sip.hash([]) == 0x726F_DB47_DD0E_0E31)
        #expect(sip.hash([0]) == 0x74F8_39C5_93DC_67FD)
        #expect(sip.hash(Array(0..<7)) == 0xAB02_00F5_8B01_D137)
    }

    @Test("the one-word fast paths equal hashing the bytes")
    func sipHashWord() {
        let sip = SipHash24(key: Self.referenceKey)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            let word = generator.next()
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64($0 * 8)) }
            #expect(sip.hash(word: word) == sip.hash(bytes))
            for length in 0...7 {
                let short = length == 0 ? 0 : word & (UInt64.max >> UInt64(64 - 8 * length))
                #expect(sip.hash(shortMessage: short, length: length) == sip.hash(Array(bytes.prefix(length))))
            }
        }
    }

    static func key(_ seed: UInt64, length: Int = 32) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test("a full permutation of 0..<capacity, inverted by sequence(forIndex:)", arguments: [1, 2, 3, 7, 8, 100, 1000, 4096, 5000])
    func permutation(capacity: Int) throws {
        for seed in [1, 2, 3] as [UInt64] {
            try checkPermutation(IndexAllocator(key: Self.key(seed, length: 16 + Int(seed) * 5), capacity: capacity))
        }
    }

    @Test("a full permutation of a W3C-sized list", arguments: [10, 11] as [UInt64])
    func permutationLarge(seed: UInt64) throws {
        try checkPermutation(IndexAllocator(key: Self.key(seed), capacity: 131_072))
    }

    func checkPermutation(_ allocator: IndexAllocator) throws {
        var seen = [Bool](repeating: false, count: allocator.capacity)
        for sequence in 0..<allocator.capacity {
            let index = try allocator.index(forSequence: sequence)
            #expect(index >= 0 && index < allocator.capacity)
            #expect(!seen[index], "index \(index) handed out twice")
            seen[index] = true
            #expect(try allocator.sequence(forIndex: index) == sequence)
        }
        #expect(seen.allSatisfy { $0 })
        expectStatusListError(.listFull) { _ = try allocator.index(forSequence: allocator.capacity) }
    }

    @Test("deterministic per key, different across keys and capacities")
    func keying() throws {
        let first = try IndexAllocator(key: Self.key(1), capacity: 1000)
        let again = try IndexAllocator(key: Self.key(1), capacity: 1000)
        let other = try IndexAllocator(key: Self.key(2), capacity: 1000)
        let order = try (0..<1000).map { try first.index(forSequence: $0) }
        #expect(try (0..<1000).map { try again.index(forSequence: $0) } == order)
        let otherOrder = try (0..<1000).map { try other.index(forSequence: $0) }
        #expect(otherOrder != order)
        #expect(zip(order, otherOrder).filter { $0 == $1 }.count < 20)
        #expect(order != Array(0..<1000) && order.prefix(100).sorted() != Array(order.prefix(100)))
        // Every key byte matters: a 32-byte key differs from its 16-byte prefix and from a one-bit change.
        var flipped = Self.key(1)
        flipped[31] ^= 1
        let prefix = try IndexAllocator(key: Array(Self.key(1).prefix(16)), capacity: 1000)
        let changed = try IndexAllocator(key: flipped, capacity: 1000)
        #expect(try (0..<50).map { try prefix.index(forSequence: $0) } != Array(order.prefix(50)))
        #expect(try (0..<50).map { try changed.index(forSequence: $0) } != Array(order.prefix(50)))
    }

    @Test("early allocations spread evenly over the list")
    func spread() throws {
        let allocator = try IndexAllocator(key: Self.key(7), capacity: 131_072)
        var buckets = [Int](repeating: 0, count: 16)
        for sequence in 0..<16_384 { buckets[try allocator.index(forSequence: sequence) / 8192] += 1 }
        // Expected 1,024 per bucket; a binomial standard deviation is about 30.
        #expect(buckets.allSatisfy { (874...1174).contains($0) }, "\(buckets)")
    }

    @Test("huge capacities stay in range and invert")
    func hugeCapacity() throws {
        for capacity in [Int.max, 1 << 40 + 3, 3_000_000_001] {
            let allocator = try IndexAllocator(key: Self.key(3), capacity: capacity)
            for sequence in [0, 1, 2, capacity / 2, capacity - 1] {
                let index = try allocator.index(forSequence: sequence)
                #expect(index >= 0 && index < capacity)
                #expect(try allocator.sequence(forIndex: index) == sequence)
            }
        }
    }

    @Test("argument checks")
    func arguments() throws {
        expectStatusListError(.invalidArgument) { _ = try IndexAllocator(key: [UInt8](repeating: 1, count: 15), capacity: 10) }
        expectStatusListError(.invalidArgument) { _ = try IndexAllocator(key: [UInt8](repeating: 1, count: 33), capacity: 10) }
        expectStatusListError(.invalidCapacity) { _ = try IndexAllocator(key: Self.key(1), capacity: 0) }
        let allocator = try IndexAllocator(key: Self.key(1), capacity: 10)
        expectStatusListError(.indexOutOfRange) { _ = try allocator.index(forSequence: -1) }
        expectStatusListError(.listFull) { _ = try allocator.index(forSequence: 10) }
        expectStatusListError(.indexOutOfRange) { _ = try allocator.sequence(forIndex: 10) }
        expectStatusListError(.indexOutOfRange) { _ = try allocator.sequence(forIndex: -1) }
    }
}
