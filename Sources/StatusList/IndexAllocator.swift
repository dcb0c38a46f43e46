/// Hands out status-list indices in a uniformly random-looking order that only the key holder can predict, with
/// O(1) memory and no stored state besides a counter.
///
/// The n-th allocation is `index(forSequence: n)`, a keyed pseudo-random permutation of `0..<capacity`. An issuer
/// only persists how many indices it has handed out (and the key): after a crash it resumes at the next sequence
/// number, and no index is ever handed out twice (the IETF draft's "MUST prevent unintended double allocation").
///
/// ## Construction
/// Let `2^k` be the smallest power of two ≥ `capacity` (so `2^k < 2 × capacity`). A value below `2^k` is split into
/// a high half of `k - k/2` bits and a low half of `k/2` bits, and six Feistel rounds alternately XOR one half with
/// a SipHash-2-4 output computed from the other half, the round number and `k` (a 6-byte message). That is a keyed permutation of
/// `0..<2^k`; "cycle walking" (re-applying it until the result is below `capacity`) restricts it to a permutation
/// of `0..<capacity`, taking fewer than two applications on average. Because every round is an XOR it is inverted
/// by running the rounds backwards, which gives ``sequence(forIndex:)``.
///
/// The security of the order rests on the key: keep it secret and stable for the lifetime of the list, and use a
/// different key per list.
public struct IndexAllocator: Sendable {
    /// The shortest accepted key (128 bits).
    public static let minimumKeyLength = 16
    /// The longest accepted key.
    public static let maximumKeyLength = 32
    /// The number of Feistel rounds (even, so both halves are mixed equally often).
    static let rounds = 6

    /// The number of indices, `0..<capacity`.
    public let capacity: Int
    private let prf: SipHash24
    /// `k`: the permutation works on values below `1 << domainBits`.
    private let domainBits: Int
    private let lowBits: Int
    private let lowMask: UInt64
    private let highMask: UInt64

    /// Creates the allocator for a list.
    /// - Parameters:
    ///   - key: 16...32 secret random bytes. A 16-byte key is used as the SipHash key; a longer key is condensed into
    ///     one with SipHash keyed by its first 16 bytes, so every byte counts.
    ///   - capacity: The number of entries of the list (> 0).
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a key of the wrong length;
    ///   ``StatusListError/Code/invalidCapacity`` for a capacity ≤ 0.
    public init(key: [UInt8], capacity: Int) throws {
        guard (Self.minimumKeyLength...Self.maximumKeyLength).contains(key.count) else {
            throw StatusListError(
                .invalidArgument,
                "allocator key must be \(Self.minimumKeyLength)...\(Self.maximumKeyLength) bytes, got \(key.count)"
            )
        }
        guard capacity > 0 else {
            throw StatusListError(.invalidCapacity, "allocator capacity must be positive, got \(capacity)")
        }
        let base = SipHash24(key: Array(key[0..<16]))
        if key.count == 16 {
            prf = base
        } else {
            prf = SipHash24(k0: base.hash([0x01] + key), k1: base.hash([0x02] + key))
        }
        self.capacity = capacity
        // Smallest k with 2^k >= capacity.
        domainBits = capacity == 1 ? 0 : Int.bitWidth - (capacity - 1).leadingZeroBitCount
        lowBits = domainBits / 2
        lowMask = (1 << UInt64(lowBits)) &- 1
        highMask = (1 << UInt64(domainBits - lowBits)) &- 1
    }

    /// The index handed out by the `sequence`-th allocation.
    /// - Parameter sequence: How many indices were handed out before, `0..<capacity`.
    /// - Returns: An index in `0..<capacity`, distinct for every sequence number.
    /// - Throws: ``StatusListError/Code/listFull`` when `sequence >= capacity`;
    ///   ``StatusListError/Code/indexOutOfRange`` when it is negative.
    public func index(forSequence sequence: Int) throws -> Int {
        guard sequence >= 0 else {
            throw StatusListError(.indexOutOfRange, "allocation sequence number must be non-negative, got \(sequence)")
        }
        guard sequence < capacity else {
            throw StatusListError(.listFull, "all \(capacity) indices of the list have been allocated")
        }
        var value = UInt64(sequence)
        repeat {
            value = permute(value)
        } while value >= UInt64(capacity)
        return Int(value)
    }

    /// The sequence number whose allocation is `index` (the inverse of ``index(forSequence:)``).
    /// - Throws: ``StatusListError/Code/indexOutOfRange`` unless `0 <= index < capacity`.
    public func sequence(forIndex index: Int) throws -> Int {
        guard index >= 0 && index < capacity else {
            throw StatusListError(.indexOutOfRange, "index \(index) is outside the allocator's range 0..<\(capacity)")
        }
        var value = UInt64(index)
        repeat {
            value = unpermute(value)
        } while value >= UInt64(capacity)
        return Int(value)
    }

    @inline(__always)
    private func roundFunction(_ round: Int, _ half: UInt64) -> UInt64 {
        // The PRF input is the 6-byte string half (4 bytes, little-endian) || round || k: halves are at most 32 bits,
        // and a message under 8 bytes takes one SipHash block instead of two.
        prf.hash(shortMessage: UInt64(domainBits) << 40 | UInt64(round) << 32 | half, length: 6)
    }

    @inline(__always)
    private func apply(_ round: Int, high: inout UInt64, low: inout UInt64) {
        if round & 1 == 0 {
            high ^= roundFunction(round, low) & highMask
        } else {
            low ^= roundFunction(round, high) & lowMask
        }
    }

    private func permute(_ value: UInt64) -> UInt64 {
        var high = value >> UInt64(lowBits)
        var low = value & lowMask
        for round in 0..<Self.rounds {
            apply(round, high: &high, low: &low)
        }
        return high << UInt64(lowBits) | low
    }

    private func unpermute(_ value: UInt64) -> UInt64 {
        var high = value >> UInt64(lowBits)
        var low = value & lowMask
        for round in (0..<Self.rounds).reversed() {
            apply(round, high: &high, low: &low)
        }
        return high << UInt64(lowBits) | low
    }
}
