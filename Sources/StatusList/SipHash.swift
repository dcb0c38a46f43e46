/// SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed pseudo-random function with a 128-bit key and 64-bit output.
///
/// Used as the round function of ``IndexAllocator``. Written out here because `Hasher` is randomly seeded per
/// process and so cannot give the stable permutation the allocator needs.
struct SipHash24: Sendable {
    /// The state after absorbing the key: every hash starts from here.
    private let v0: UInt64
    private let v1: UInt64
    private let v2: UInt64
    private let v3: UInt64

    /// Creates the function for a key given as two little-endian 64-bit words (`k0` = key bytes 0...7).
    init(k0: UInt64, k1: UInt64) {
        v0 = k0 ^ 0x736f_6d65_7073_6575
        v1 = k1 ^ 0x646f_7261_6e64_6f6d
        v2 = k0 ^ 0x6c79_6765_6e65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    /// Creates the function for a 16-byte key.
    init(key: [UInt8]) {
        precondition(key.count == 16, "SipHash-2-4 takes a 16-byte key")
        self.init(k0: Self.littleEndianWord(key, at: 0), k1: Self.littleEndianWord(key, at: 8))
    }

    /// The hash of an arbitrary byte string.
    func hash(_ message: [UInt8]) -> UInt64 {
        var state = (v0, v1, v2, v3)
        let fullWords = message.count / 8
        for word in 0..<fullWords {
            Self.compress(&state, Self.littleEndianWord(message, at: word * 8))
        }
        var last = UInt64(truncatingIfNeeded: message.count) << 56
        for offset in 0..<(message.count % 8) {
            last |= UInt64(message[fullWords * 8 + offset]) << UInt64(offset * 8)
        }
        Self.compress(&state, last)
        return Self.finalize(&state)
    }

    /// The hash of exactly eight bytes given as one little-endian word; equal to `hash` of those bytes, without
    /// any allocation.
    @inline(__always)
    func hash(word: UInt64) -> UInt64 {
        var state = (v0, v1, v2, v3)
        Self.compress(&state, word)
        Self.compress(&state, 8 << 56)
        return Self.finalize(&state)
    }

    /// The hash of a message of at most seven bytes given as a little-endian word (`message` < 2^(8 × length));
    /// equal to `hash` of those bytes. Such a message fits in the final block, which saves a compression step.
    @inline(__always)
    func hash(shortMessage message: UInt64, length: Int) -> UInt64 {
        var state = (v0, v1, v2, v3)
        Self.compress(&state, UInt64(truncatingIfNeeded: length) << 56 | message)
        return Self.finalize(&state)
    }

    @inline(__always)
    private static func compress(_ state: inout (UInt64, UInt64, UInt64, UInt64), _ word: UInt64) {
        state.3 ^= word
        round(&state)
        round(&state)
        state.0 ^= word
    }

    @inline(__always)
    private static func finalize(_ state: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
        state.2 ^= 0xFF
        round(&state)
        round(&state)
        round(&state)
        round(&state)
        return state.0 ^ state.1 ^ state.2 ^ state.3
    }

    @inline(__always)
    private static func round(_ state: inout (UInt64, UInt64, UInt64, UInt64)) {
        state.0 &+= state.1
        state.1 = rotate(state.1, 13)
        state.1 ^= state.0
        state.0 = rotate(state.0, 32)
        state.2 &+= state.3
        state.3 = rotate(state.3, 16)
        state.3 ^= state.2
        state.0 &+= state.3
        state.3 = rotate(state.3, 21)
        state.3 ^= state.0
        state.2 &+= state.1
        state.1 = rotate(state.1, 17)
        state.1 ^= state.2
        state.2 = rotate(state.2, 32)
    }

    @inline(__always)
    private static func rotate(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        (value &<< amount) | (value &>> (64 &- amount))
    }

    static func littleEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var word: UInt64 = 0
        for index in 0..<8 {
            word |= UInt64(bytes[offset + index]) << UInt64(index * 8)
        }
        return word
    }
}
