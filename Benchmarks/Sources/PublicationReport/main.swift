// PublicationReport: what republishing a list costs with segmented (incremental) compression, against compressing
// the whole list in one zlib pass, measured in the same run in alternating rounds.
//
//   1. Compression after one change, lists of 131,072 / 1M / 10M entries at 0.1 %, 1 % and 10 % set, W3C (GZIP,
//      level 6) and IETF (ZLIB, level 9): time to bring the stream up to date after one entry changes, and size,
//      each against zlib compressing the whole list.
//   2. Segment size trade-off on the 10M-entry list at 1 %.
//   3. A whole publication after one change of a 10M-entry list: compression plus the four signed representations,
//      as the server's SignedPublicationBuilder makes them (target <= 50 ms).
//   4. 100 lists of 1M entries, each changed once and published at once.
//
// Every stream is checked by the system zlib here; run-publication.sh also decodes the 10M-entry streams with Python.
// Usage: PublicationReport [--quick] [output.json] [--streams DIR]

import BenchSupport
import Foundation
import Signing
import StatusList
import StatusListSecuring

struct Row: Codable {
    var id: String
    var group: String
    var entries: Int?
    var density: Double?
    var format: String?
    var level: Int?
    var segmentBytes: Int?
    /// Median milliseconds of the incremental operation.
    var incrementalMilliseconds: Double?
    /// Median milliseconds of the baseline (whole-list compression).
    var wholeMilliseconds: Double?
    /// Baseline time / incremental time (median of per-round ratios, inverted).
    var speedup: Double?
    var speedupP25: Double?
    var speedupP75: Double?
    var rounds: Int?
    var segmentedBytes: Int?
    var wholeBytes: Int?
    /// (segmented - whole) / whole, in percent.
    var sizeOverheadPercent: Double?
    var target: String?
    var met: Bool?
    var note: String?
}

struct Report: Codable {
    var generatedAt: String
    var processors: Int
    var quick: Bool
    var defaultSegmentBytes: Int
    var rows: [Row]
}

let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
let outputPath = arguments.first { $0.hasSuffix(".json") } ?? "results/publication-report.json"
let streamsDirectory = arguments.firstIndex(of: "--streams").map { arguments[$0 + 1] }
/// `--only <group>` runs one section (one-change, segment-size, republish, many-lists), e.g. under `perf record`.
let onlyGroup = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
func runs(_ group: String) -> Bool { onlyGroup == nil || onlyGroup == group }
let rounds = quick ? 5 : 15
let sizes = [131_072, 1_048_576, 10_000_000]
let densities = [0.001, 0.01, 0.1]

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A 1-bit list with `density` of its entries set (distinct, seeded).
func makeList(entries: Int, density: Double, seed: UInt64 = benchmarkSeed) throws -> Bitstring {
    var generator = SplitMix64(seed: seed ^ UInt64(entries) ^ UInt64(density * 1_000_000))
    var list = try Bitstring(count: entries, entrySize: .one)
    var remaining = Int(Double(entries) * density)
    while remaining > 0 {
        let index = Int.random(in: 0..<entries, using: &generator)
        if list[index] == 0 {
            try list.set(1, at: index)
            remaining -= 1
        }
    }
    return list
}

/// The wire bytes zlib compresses for a format.
func wireBytes(_ list: Bitstring, _ format: SegmentedCompressedList.Format) -> [UInt8] {
    format == .w3c ? list.msbFirstBytes : list.lsbFirstBytes
}

func level(_ format: SegmentedCompressedList.Format) -> Int {
    format == .w3c ? Bitstring.defaultW3CCompressionLevel : Bitstring.defaultIETFCompressionLevel
}

func container(_ format: SegmentedCompressedList.Format) -> ZlibBaseline.Container {
    format == .w3c ? .gzip : .zlib
}

func name(_ format: SegmentedCompressedList.Format) -> String {
    format == .w3c ? "w3c-gzip" : "ietf-zlib"
}

/// Checks a segmented stream with the system zlib: it must decompress to exactly the list's wire bytes.
func checkWithSystemZlib(_ segmented: SegmentedCompressedList, _ list: Bitstring) throws {
    let expected = wireBytes(list, segmented.format)
    let inflated = try ZlibBaseline.inflate(segmented.compressed, container: container(segmented.format), decompressedSize: expected.count)
    guard inflated == expected else {
        throw ZlibBaseline.Failure(description: "segmented \(segmented.format) stream does not decompress to the list")
    }
}

/// Times "one entry changes, the stream is brought up to date" against "zlib compresses the whole list".
func oneChange(
    list original: Bitstring, format: SegmentedCompressedList.Format, segmentBytes: Int, rounds: Int
) throws -> (Comparison, SegmentedCompressedList, [UInt8]) {
    var list = original
    var segmented = try SegmentedCompressedList(list, format: format, level: level(format), segmentBytes: segmentBytes)
    let whole = try ZlibBaseline.deflate(wireBytes(list, format), container: container(format), level: level(format))
    var generator = SplitMix64(seed: 42)
    // The candidate flips a random entry and back on alternate calls, so the density stays put.
    var flipped: Int?
    let comparison = try compare(
        rounds: rounds,
        candidate: {
            let index = flipped ?? Int.random(in: 0..<list.count, using: &generator)
            try list.set(list[index] ^ 1, at: index)
            flipped = flipped == nil ? index : nil
            try segmented.recompress(segments: [segmented.segment(containingEntry: index)], from: list)
            return segmented.compressed.count
        },
        baseline: {
            try ZlibBaseline.deflate(wireBytes(list, format), container: container(format), level: level(format)).count
        })
    if let index = flipped {
        try list.set(list[index] ^ 1, at: index)
        try segmented.recompress(segments: [segmented.segment(containingEntry: index)], from: list)
    }
    try checkWithSystemZlib(segmented, list)
    return (comparison, segmented, whole)
}

func milliseconds(_ nanoseconds: Double) -> Double { nanoseconds / 1e6 }

extension Row {
    /// Times and speed-up of an incremental-against-whole comparison (the speed-up is the inverted time ratio).
    mutating func record(_ result: Comparison) {
        incrementalMilliseconds = milliseconds(result.candidateNanoseconds)
        wholeMilliseconds = milliseconds(result.baselineNanoseconds)
        speedup = 1 / result.ratio
        speedupP25 = 1 / result.ratioP75
        speedupP75 = 1 / result.ratioP25
        rounds = result.rounds
    }
}

/// The row of a one-change measurement: times, speed-up and the sizes of the segmented and the one-pass streams.
func compressionRow(
    id: String, group: String, entries: Int, density: Double, format: SegmentedCompressedList.Format, segmentBytes: Int,
    _ result: Comparison, _ segmented: SegmentedCompressedList, _ whole: [UInt8]
) -> Row {
    var row = Row(id: id, group: group)
    row.entries = entries
    row.density = density
    row.format = name(format)
    row.level = level(format)
    row.segmentBytes = segmentBytes
    row.record(result)
    row.segmentedBytes = segmented.compressedCount
    row.wholeBytes = whole.count
    row.sizeOverheadPercent = Double(segmented.compressedCount - whole.count) / Double(whole.count) * 100
    return row
}

var rows: [Row] = []

do {
    // 1. One change, every size and density, both formats, default segment size.
    for entries in sizes where runs("one-change") {
        for density in densities {
            let list = try makeList(entries: entries, density: density)
            // The segment size the server uses for this list: the base, larger for sparse lists.
            let segmentBytes = SegmentedCompressedList.segmentBytes(for: list, base: SegmentedCompressedList.defaultSegmentBytes)
            for format in [SegmentedCompressedList.Format.w3c, .ietf] {
                let (result, segmented, whole) = try oneChange(list: list, format: format, segmentBytes: segmentBytes, rounds: rounds)
                var row = compressionRow(
                    id: "one-change/\(name(format))/\(entries)/\(density)", group: "one-change", entries: entries, density: density,
                    format: format, segmentBytes: segmentBytes, result, segmented, whole)
                if entries == 10_000_000 {
                    row.target = "speedup >= 20x, size overhead <= 2 %"
                    row.met = row.speedup! >= 20 && row.sizeOverheadPercent! <= 2
                    if let streamsDirectory {
                        let base = "\(streamsDirectory)/\(name(format))-\(density)"
                        try Data(segmented.compressed).write(to: URL(fileURLWithPath: base + ".stream"))
                        try Data(wireBytes(list, format)).write(to: URL(fileURLWithPath: base + ".expected"))
                    }
                }
                rows.append(row)
                log(
                    String(
                        format: "%@ %9d %5.1f%% seg %5.2f ms whole %7.2f ms  x%.1f  size %+.2f%%", name(format), entries, density * 100,
                        row.incrementalMilliseconds!, row.wholeMilliseconds!, row.speedup!, row.sizeOverheadPercent!))
            }
        }
    }

    // 2. Segment size trade-off, 10M entries at 1 %.
    let tenMillion = try makeList(entries: 10_000_000, density: 0.01)
    for segmentBytes in [16_384, 32_768, 65_536, 131_072] where runs("segment-size") {
        for format in [SegmentedCompressedList.Format.w3c, .ietf] {
            let (result, segmented, whole) = try oneChange(list: tenMillion, format: format, segmentBytes: segmentBytes, rounds: max(5, rounds / 2))
            let row = compressionRow(
                id: "segment-size/\(name(format))/\(segmentBytes)", group: "segment-size", entries: 10_000_000, density: 0.01,
                format: format, segmentBytes: segmentBytes, result, segmented, whole)
            rows.append(row)
            log(String(format: "segments %6d %@ %6.2f ms x%.1f %+.2f%%", segmentBytes, name(format), row.incrementalMilliseconds!, row.speedup!, row.sizeOverheadPercent!))
        }
    }

    // 3. A whole publication of the 10M-entry list after one change: both compressions plus the four representations,
    //    signed the way SignedPublicationBuilder signs them (Ed25519 Data Integrity proof, ES256 JOSE/COSE).
    let es256 = SignerFixture(.es256)
    let ed25519 = SignerFixture(.edDSA)
    func publish(_ list: Bitstring, w3cEncodedList: String, ietfCompressed: [UInt8]) throws -> Int {
        let statement = StatusListStatement(
            url: Statements.url, issuer: Statements.issuer, bitstring: list, purposes: [.revocation], issuedAt: Statements.issuedAt,
            validUntil: Statements.issuedAt.addingTimeInterval(86_400), ttlSeconds: 300)
        let credential = try StatusListSigner.w3cCredential(statement, encodedList: w3cEncodedList)
        var total = try StatusListSigner.dataIntegrityCredential(credential, signer: ed25519.signer, created: statement.issuedAt).count
        total += try StatusListSigner.credentialJWT(credential, signer: es256.signer).utf8.count
        total += try StatusListSigner.statusListJWT(statement, signer: es256.signer, compressedList: ietfCompressed).utf8.count
        total += try StatusListSigner.statusListCWT(statement, signer: es256.signer, compressedList: ietfCompressed).count
        return total
    }
    for density in densities where runs("republish") {
        var list = try makeList(entries: 10_000_000, density: density)
        let segmentBytes = SegmentedCompressedList.segmentBytes(for: list, base: SegmentedCompressedList.defaultSegmentBytes)
        var w3c = try SegmentedCompressedList(list, format: .w3c, level: level(.w3c), segmentBytes: segmentBytes)
        var ietf = try SegmentedCompressedList(list, format: .ietf, level: level(.ietf), segmentBytes: segmentBytes)
        var generator = SplitMix64(seed: 7)
        var flipped: Int?
        if arguments.contains("--profile") {
            // Only the incremental publication, in a loop, for `perf record -g ... --only republish --profile`.
            for _ in 0..<100 {
                let index = Int.random(in: 0..<list.count, using: &generator)
                try list.set(list[index] ^ 1, at: index)
                let segment = w3c.segment(containingEntry: index)
                try w3c.recompress(segments: [segment], from: list)
                try ietf.recompress(segments: [segment], from: list)
                consume(try publish(list, w3cEncodedList: w3c.encodedList, ietfCompressed: ietf.compressed))
            }
            continue
        }
        let result = try compare(
            rounds: max(5, rounds / 2),
            candidate: {
                let index = flipped ?? Int.random(in: 0..<list.count, using: &generator)
                try list.set(list[index] ^ 1, at: index)
                flipped = flipped == nil ? index : nil
                let segment = w3c.segment(containingEntry: index)
                try w3c.recompress(segments: [segment], from: list)
                try ietf.recompress(segments: [segment], from: list)
                return try publish(list, w3cEncodedList: w3c.encodedList, ietfCompressed: ietf.compressed)
            },
            baseline: {
                try publish(list, w3cEncodedList: try list.w3cEncodedList(level: level(.w3c)), ietfCompressed: try list.ietfCompressed(level: level(.ietf)))
            })
        var row = Row(id: "republish/10000000/\(density)", group: "republish")
        row.entries = 10_000_000
        row.density = density
        row.format = "all four representations"
        row.segmentBytes = segmentBytes
        row.record(result)
        row.target = "<= 50 ms"
        row.met = row.incrementalMilliseconds! <= 50
        row.note = "compress both formats + Ed25519 DI + ES256 vc+jwt, statuslist+jwt, statuslist+cwt"
        rows.append(row)
        log(String(format: "republish 10M %4.1f%%: %.1f ms (whole %.1f ms) x%.1f", density * 100, row.incrementalMilliseconds!, row.wholeMilliseconds!, row.speedup!))
    }

    // 4. 100 lists of 1M entries at 1 %, one change each, all published at once (one after the other, as the
    //    publisher's flush does), incremental against whole-list compression.
    let listCount = runs("many-lists") ? (quick ? 20 : 100) : 0
    var lists: [Bitstring] = []
    var compressions: [(SegmentedCompressedList, SegmentedCompressedList)] = []
    for number in 0..<listCount {
        let list = try makeList(entries: 1_048_576, density: 0.01, seed: benchmarkSeed &+ UInt64(number))
        lists.append(list)
        let segmentBytes = SegmentedCompressedList.segmentBytes(for: list, base: SegmentedCompressedList.defaultSegmentBytes)
        compressions.append(
            (
                try SegmentedCompressedList(list, format: .w3c, level: level(.w3c), segmentBytes: segmentBytes),
                try SegmentedCompressedList(list, format: .ietf, level: level(.ietf), segmentBytes: segmentBytes)
            ))
    }
    var generator = SplitMix64(seed: 99)
    let clock = ContinuousClock()
    var incrementalTimes: [Double] = []
    var wholeTimes: [Double] = []
    for round in 0..<(quick ? 2 : 3) where listCount > 0 {
        var indices: [Int] = []
        for number in 0..<listCount {
            let index = Int.random(in: 0..<1_048_576, using: &generator)
            try lists[number].set(lists[number][index] ^ 1, at: index)
            indices.append(index)
        }
        func incremental() throws {
            for number in 0..<listCount {
                let segment = compressions[number].0.segment(containingEntry: indices[number])
                try compressions[number].0.recompress(segments: [segment], from: lists[number])
                try compressions[number].1.recompress(segments: [segment], from: lists[number])
                consume(try publish(lists[number], w3cEncodedList: compressions[number].0.encodedList, ietfCompressed: compressions[number].1.compressed))
            }
        }
        func whole() throws {
            for number in 0..<listCount {
                let list = lists[number]
                consume(try publish(list, w3cEncodedList: try list.w3cEncodedList(level: level(.w3c)), ietfCompressed: try list.ietfCompressed(level: level(.ietf))))
            }
        }
        // Alternate which goes first.
        if round % 2 == 0 {
            var start = clock.now
            try incremental()
            incrementalTimes.append(nanoseconds(clock.now - start))
            start = clock.now
            try whole()
            wholeTimes.append(nanoseconds(clock.now - start))
        } else {
            var start = clock.now
            try whole()
            wholeTimes.append(nanoseconds(clock.now - start))
            start = clock.now
            try incremental()
            incrementalTimes.append(nanoseconds(clock.now - start))
        }
    }
    for number in 0..<listCount {
        try checkWithSystemZlib(compressions[number].0, lists[number])
        try checkWithSystemZlib(compressions[number].1, lists[number])
    }
    if listCount > 0 {
    var row = Row(id: "many-lists/\(listCount)x1048576", group: "many-lists")
    row.entries = 1_048_576
    row.density = 0.01
    row.format = "all four representations"
    row.segmentBytes = compressions.first?.0.segmentBytes
    row.incrementalMilliseconds = milliseconds(percentile(incrementalTimes, 0.5))
    row.wholeMilliseconds = milliseconds(percentile(wholeTimes, 0.5))
    row.speedup = row.wholeMilliseconds! / row.incrementalMilliseconds!
    row.rounds = incrementalTimes.count
    row.note = "\(listCount) lists, one change each, published one after the other (total time)"
    rows.append(row)
    log(String(format: "%d lists at once: %.0f ms (whole %.0f ms) x%.1f", listCount, row.incrementalMilliseconds!, row.wholeMilliseconds!, row.speedup!))
    }

    let report = Report(
        generatedAt: ISO8601DateFormatter().string(from: Date()),
        processors: ProcessInfo.processInfo.activeProcessorCount,
        quick: quick,
        defaultSegmentBytes: SegmentedCompressedList.defaultSegmentBytes,
        rows: rows)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: outputPath))
    log("wrote \(outputPath)")
} catch {
    log("PublicationReport failed: \(error)")
    exit(1)
}
