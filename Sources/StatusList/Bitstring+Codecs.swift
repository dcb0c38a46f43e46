import WireEncoding

extension Bitstring {
    /// The default cap on the decompressed size of a list received from elsewhere: 16 MiB, i.e. 134 million 1-bit
    /// entries, far above any list in practice and small enough to stop decompression bombs.
    public static let defaultMaximumDecodedBytes = 16 * 1024 * 1024
    /// The compression level used for W3C `encodedList` by default (zlib's default, also pako's).
    public static let defaultW3CCompressionLevel = 6
    /// The compression level used for IETF `lst` by default (the draft recommends the highest level).
    public static let defaultIETFCompressionLevel = 9

    // MARK: W3C Bitstring Status List

    /// Decodes a W3C `encodedList`: multibase `u` + unpadded base64url of the GZIP-compressed MSB-first bitstring.
    ///
    /// The list has `decodedBytes × 8 / statusSize` entries. The W3C minimum length is **not** enforced here; call
    /// ``requireMinimumEntries(_:)`` to apply it.
    /// - Parameters:
    ///   - encodedList: The `credentialSubject.encodedList` value.
    ///   - statusSize: The entry width (the entry's `statusSize`, 1 when absent).
    ///   - maximumBytes: The largest decompressed size accepted.
    ///   - expectedCount: When set, the decoded list must have exactly this many entries, and the size cap is raised
    ///     to the expected size if that is larger than `maximumBytes`.
    /// - Throws: ``StatusListError`` with code `malformedEncoding` (missing `u`, padding, non-base64url),
    ///   `wrongCompressionFormat` (ZLIB instead of GZIP), `corruptData` (bad CRC-32 or DEFLATE data), `truncated`,
    ///   `trailingData`, `sizeLimitExceeded`, `lengthMismatch` (empty, or not `expectedCount` entries) or
    ///   `invalidArgument`.
    public init(
        w3cEncodedList encodedList: String,
        statusSize: StatusSize = .one,
        maximumBytes: Int = Bitstring.defaultMaximumDecodedBytes,
        expectedCount: Int? = nil
    ) throws {
        let compressed = try Self.decodeMultibase(encodedList)
        let bytes = try Self.decompress(
            compressed,
            container: .gzip,
            entrySize: statusSize,
            maximumBytes: maximumBytes,
            expectedCount: expectedCount
        )
        try self.init(msbFirstBytes: bytes, entrySize: statusSize)
    }

    /// Encodes the list as a W3C `encodedList`: `u` + unpadded base64url of the GZIP-compressed MSB-first bytes.
    ///
    /// The GZIP header carries mtime 0 and OS 3; at level 6 the W3C specification's example reproduces exactly.
    /// - Parameter level: zlib compression level 0...9.
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a bad level; ``StatusListError/Code/compressionFailed``.
    public func w3cEncodedList(level: Int = Bitstring.defaultW3CCompressionLevel) throws -> String {
        "u" + Base64URL.encode(try Deflate.compress(msbFirstBytes, container: .gzip, level: level))
    }

    // MARK: IETF Token Status List

    /// Decodes IETF `lst` text: unpadded base64url of the ZLIB-compressed LSB-first byte array (JSON form).
    ///
    /// The list has `decodedBytes × 8 / bits` entries.
    /// - Parameters:
    ///   - lst: The `status_list.lst` value.
    ///   - bits: The `status_list.bits` value.
    ///   - maximumBytes: The largest decompressed size accepted.
    ///   - expectedCount: When set, the decoded list must have exactly this many entries (the cap is raised to fit).
    /// - Throws: ``StatusListError`` with code `malformedEncoding`, `wrongCompressionFormat` (GZIP instead of ZLIB),
    ///   `corruptData` (bad Adler-32 or DEFLATE data), `truncated`, `trailingData`, `sizeLimitExceeded`,
    ///   `lengthMismatch` or `invalidArgument`.
    public init(
        ietfEncodedList lst: String,
        bits: StatusSize,
        maximumBytes: Int = Bitstring.defaultMaximumDecodedBytes,
        expectedCount: Int? = nil
    ) throws {
        let compressed = try Base64URL.decode(Substring(lst), what: "lst")
        try self.init(ietfCompressed: compressed, bits: bits, maximumBytes: maximumBytes, expectedCount: expectedCount)
    }

    /// Decodes the raw ZLIB bytes of an IETF status list (the CBOR form's `lst` byte string).
    ///
    /// Same checks and errors as ``init(ietfEncodedList:bits:maximumBytes:expectedCount:)`` minus base64url.
    public init(
        ietfCompressed compressed: [UInt8],
        bits: StatusSize,
        maximumBytes: Int = Bitstring.defaultMaximumDecodedBytes,
        expectedCount: Int? = nil
    ) throws {
        var bytes = try Self.decompress(
            compressed,
            container: .zlib,
            entrySize: bits,
            maximumBytes: maximumBytes,
            expectedCount: expectedCount
        )
        // In place: the decompressed array is ours alone, so no second array of the list's size is allocated.
        Self.reverseEntryOrderInBytes(&bytes, entrySize: bits)
        try self.init(msbFirstBytes: bytes, entrySize: bits)
    }

    /// Encodes the list as IETF `lst` text: unpadded base64url of the ZLIB-compressed LSB-first bytes.
    /// - Parameter level: zlib compression level 0...9 (default 9, as the draft recommends).
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a bad level; ``StatusListError/Code/compressionFailed``.
    public func ietfEncodedList(level: Int = Bitstring.defaultIETFCompressionLevel) throws -> String {
        Base64URL.encode(try ietfCompressed(level: level))
    }

    /// The raw ZLIB-compressed LSB-first bytes (for the CBOR form, where `lst` is a byte string).
    /// - Parameter level: zlib compression level 0...9 (default 9).
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a bad level; ``StatusListError/Code/compressionFailed``.
    public func ietfCompressed(level: Int = Bitstring.defaultIETFCompressionLevel) throws -> [UInt8] {
        var bytes = msbFirstBytes
        Self.reverseEntryOrderInBytes(&bytes, entrySize: entrySize)
        return try Deflate.compress(bytes, container: .zlib, level: level)
    }

    // MARK: Shared decoding steps

    /// Strips the multibase `u` prefix and decodes the rest as strict unpadded base64url.
    static func decodeMultibase(_ encodedList: String) throws -> [UInt8] {
        try checkMultibasePrefix(encodedList)
        return try Base64URL.decode(encodedList.dropFirst(), what: "encodedList")
    }

    /// Checks the encoding of a W3C `encodedList` (prefix and base64url) without decoding or decompressing it.
    static func validateMultibaseSyntax(_ encodedList: String) throws {
        try checkMultibasePrefix(encodedList)
        try Base64URL.validate(encodedList.dropFirst(), what: "encodedList")
    }

    private static func checkMultibasePrefix(_ encodedList: String) throws {
        guard let first = encodedList.utf8.first else {
            throw StatusListError(.malformedEncoding, "encodedList is empty")
        }
        guard first == UInt8(ascii: "u") else {
            throw StatusListError(
                .malformedEncoding,
                "encodedList must start with the multibase base64url prefix 'u', found '\(encodedList.prefix(1))'"
            )
        }
    }

    private static func decompress(
        _ compressed: [UInt8],
        container: Deflate.Container,
        entrySize: StatusSize,
        maximumBytes: Int,
        expectedCount: Int?
    ) throws -> [UInt8] {
        var limit = maximumBytes
        if let expectedCount {
            do {
                try validateCapacity(expectedCount, entrySize: entrySize)
            } catch let error as StatusListError {
                throw StatusListError(.invalidArgument, "expectedCount: \(error.reason)")
            }
            limit = max(limit, expectedCount * entrySize.bits / 8)
        }
        let bytes = try Deflate.decompress(compressed, container: container, maximumSize: limit)
        guard !bytes.isEmpty else {
            throw StatusListError(.lengthMismatch, "the \(container) stream decompresses to an empty list")
        }
        if let expectedCount, bytes.count * 8 / entrySize.bits != expectedCount {
            throw StatusListError(
                .lengthMismatch,
                "the list has \(bytes.count * 8 / entrySize.bits) entries of \(entrySize), expected \(expectedCount)"
            )
        }
        return bytes
    }

    // MARK: Layout conversion

    /// Converts bytes between the MSB-first (W3C) and LSB-first (IETF) layouts in place: reverses the order of the
    /// entries inside every byte, keeping each entry's own bit order (its own inverse, like
    /// `ByteLayoutTables.convert`, which it matches byte for byte).
    ///
    /// A network of masked shifts on 16 bytes at a time instead of a table lookup per byte: for 1-bit entries it swaps
    /// neighbouring bits, then neighbouring pairs, then nibbles; 2-bit entries need the last two steps, 4-bit entries
    /// the last one, 8-bit entries none. On a 1M-entry list this is several times faster than the table.
    static func reverseEntryOrderInBytes(_ bytes: inout [UInt8], entrySize: StatusSize) {
        switch entrySize {
        case .one: reverseInPlace(&bytes, OneBitEntryReversal.self)
        case .two: reverseInPlace(&bytes, TwoBitEntryReversal.self)
        case .four: reverseInPlace(&bytes, FourBitEntryReversal.self)
        case .eight: return
        }
    }

    /// Applies the reversal to every full 16-byte block, then to the remaining bytes one by one (a generic function
    /// rather than closures, so that each entry size gets its own loop with the steps inlined).
    private static func reverseInPlace<Reversal: EntryOrderReversal>(_ bytes: inout [UInt8], _: Reversal.Type) {
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset &+ 16 <= buffer.count {
                let block = buffer.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
                buffer.storeBytes(of: Reversal.reversed(block), toByteOffset: offset, as: SIMD16<UInt8>.self)
                offset &+= 16
            }
            while offset < buffer.count {
                buffer[offset] = Reversal.reversed(buffer[offset])
                offset &+= 1
            }
        }
    }
}

/// Reverses the order of the entries inside each byte, on 16 bytes at once or on one.
private protocol EntryOrderReversal {
    static func reversed(_ block: SIMD16<UInt8>) -> SIMD16<UInt8>
    static func reversed(_ byte: UInt8) -> UInt8
}

private enum OneBitEntryReversal: EntryOrderReversal {
    @inline(__always)
    static func reversed(_ block: SIMD16<UInt8>) -> SIMD16<UInt8> { EntrySwaps.nibbles(EntrySwaps.pairs(EntrySwaps.bits(block))) }
    @inline(__always)
    static func reversed(_ byte: UInt8) -> UInt8 { EntrySwaps.nibbles(EntrySwaps.pairs(EntrySwaps.bits(byte))) }
}

private enum TwoBitEntryReversal: EntryOrderReversal {
    @inline(__always)
    static func reversed(_ block: SIMD16<UInt8>) -> SIMD16<UInt8> { EntrySwaps.nibbles(EntrySwaps.pairs(block)) }
    @inline(__always)
    static func reversed(_ byte: UInt8) -> UInt8 { EntrySwaps.nibbles(EntrySwaps.pairs(byte)) }
}

private enum FourBitEntryReversal: EntryOrderReversal {
    @inline(__always)
    static func reversed(_ block: SIMD16<UInt8>) -> SIMD16<UInt8> { EntrySwaps.nibbles(block) }
    @inline(__always)
    static func reversed(_ byte: UInt8) -> UInt8 { EntrySwaps.nibbles(byte) }
}

/// The steps of the network: swap neighbouring bits, neighbouring bit pairs, or the two nibbles of every byte.
private enum EntrySwaps {
    @inline(__always)
    static func bits(_ block: SIMD16<UInt8>) -> SIMD16<UInt8> { (block &>> 1) & 0x55 | (block & 0x55) &<< 1 }
    @inline(__always)
    static func pairs(_ block: SIMD16<UInt8>) -> SIMD16<UInt8> { (block &>> 2) & 0x33 | (block & 0x33) &<< 2 }
    @inline(__always)
    static func nibbles(_ block: SIMD16<UInt8>) -> SIMD16<UInt8> { block &>> 4 | block &<< 4 }
    @inline(__always)
    static func bits(_ byte: UInt8) -> UInt8 { (byte &>> 1) & 0x55 | (byte & 0x55) &<< 1 }
    @inline(__always)
    static func pairs(_ byte: UInt8) -> UInt8 { (byte &>> 2) & 0x33 | (byte & 0x33) &<< 2 }
    @inline(__always)
    static func nibbles(_ byte: UInt8) -> UInt8 { byte &>> 4 | byte &<< 4 }
}
