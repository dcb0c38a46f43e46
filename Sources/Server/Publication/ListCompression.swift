import StatusList

/// How publications compress lists.
public struct CompressionSettings: Sendable, Equatable {
    /// zlib level of the W3C `encodedList` (GZIP).
    public var w3cLevel = Bitstring.defaultW3CCompressionLevel
    /// zlib level of the IETF `lst` (ZLIB).
    public var ietfLevel = Bitstring.defaultIETFCompressionLevel
    /// Uncompressed bytes per independently compressed segment: a change recompresses one segment, not the list.
    /// Sparse lists use up to 8 times this (see ``SegmentedCompressedList/segmentBytes(for:base:)``).
    public var segmentBytes = SegmentedCompressedList.defaultSegmentBytes

    /// Creates the default settings.
    public init() {}
}

/// The compressed forms of a list as a publication embeds them.
public struct CompressedForms: Sendable {
    /// The W3C `encodedList`: `u` + base64url of the GZIP stream of the MSB-first bytes.
    public let w3cEncodedList: String
    /// The IETF `lst` bytes (ZLIB, LSB-first), when the list is published in the IETF forms.
    public let ietfCompressed: [UInt8]?

    /// Wraps already compressed forms.
    public init(w3cEncodedList: String, ietfCompressed: [UInt8]?) {
        self.w3cEncodedList = w3cEncodedList
        self.ietfCompressed = ietfCompressed
    }
}

/// One list's segmented compressions, kept across publications so that each publication recompresses only the
/// segments its changes touched. Both forms share the segment geometry (the IETF layout only reorders entries
/// within a byte), so one segment index names the same entries in both.
///
/// The geometry follows the list's density (``SegmentedCompressedList/segmentBytes(for:base:)``): a sparse list gets
/// larger segments, so that segment boundaries cost little size. When the list's ideal size drifts 4x or more from
/// the one in use (a list filling up over months), the next publication compresses it anew at the ideal size.
struct ListCompression: Sendable {
    private var w3c: SegmentedCompressedList
    private var ietf: SegmentedCompressedList?

    /// Compresses every segment of the list, in the W3C form and, when `ietf`, in the IETF form.
    init(_ bitstring: Bitstring, ietf: Bool, settings: CompressionSettings) throws {
        let segmentBytes = SegmentedCompressedList.segmentBytes(for: bitstring, base: settings.segmentBytes)
        w3c = try SegmentedCompressedList(bitstring, format: .w3c, level: settings.w3cLevel, segmentBytes: segmentBytes)
        self.ietf =
            ietf ? try SegmentedCompressedList(bitstring, format: .ietf, level: settings.ietfLevel, segmentBytes: segmentBytes) : nil
    }

    /// The uncompressed bytes per segment in use.
    var segmentBytes: Int { w3c.segmentBytes }

    /// Brings the compression up to date with the list: recompresses the segments holding `changedBytes` (offsets
    /// into the uncompressed list), or everything at a new segment size when the list's density calls for one.
    mutating func update(changedBytes: Set<Int>, from bitstring: Bitstring, settings: CompressionSettings) throws {
        let ideal = SegmentedCompressedList.segmentBytes(for: bitstring, base: settings.segmentBytes)
        if ideal >= segmentBytes * 4 || segmentBytes >= ideal * 4 {
            self = try ListCompression(bitstring, ietf: ietf != nil, settings: settings)
            return
        }
        guard !changedBytes.isEmpty else { return }
        let segments = Set(changedBytes.map { $0 / segmentBytes })
        try w3c.recompress(segments: segments, from: bitstring)
        try ietf?.recompress(segments: segments, from: bitstring)
    }

    /// The streams as a publication embeds them.
    var forms: CompressedForms {
        CompressedForms(w3cEncodedList: w3c.encodedList, ietfCompressed: ietf?.compressed)
    }
}
