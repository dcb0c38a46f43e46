// CoreReport: the ratio table of the status-list core. Every figure is timed against a baseline measured in the
// same run (zlib alone on the same bytes, or a comparable primitive), in alternating rounds, and reported as the
// median ratio. Usage: CoreReport [--quick] [output.json]

import BenchSupport
import Foundation
import Signing
import StatusList
import StatusListSecuring

/// One line of the report.
struct Row: Codable {
    var id: String
    var group: String
    var figure: String
    var entries: Int?
    var format: String?
    var level: Int?
    var algorithm: String?
    /// Median nanoseconds per operation.
    var nanoseconds: Double?
    /// Operations per second (for throughput figures).
    var ratePerSecond: Double?
    var baseline: String?
    var baselineNanoseconds: Double?
    var baselineRatePerSecond: Double?
    /// Median of per-round candidate / baseline time ratios.
    var ratio: Double?
    var ratioP25: Double?
    var ratioP75: Double?
    var rounds: Int?
    var target: String?
    var met: Bool?
    var compressedBytes: Int?
    var rawBytes: Int?
    var textBytes: Int?
    var note: String?
}

struct Report: Codable {
    var generatedAt: String
    var host: String
    var processors: Int
    var quick: Bool
    var seed: String
    var setFraction: Double
    var rows: [Row]
}

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let outputPath = arguments.first { $0.hasSuffix(".json") } ?? "results/core-report.json"
let rounds = quick ? 5 : 21
let jwtTargetRatio = 2.0
let allocationTargetRate = 5_000_000.0

var rows: [Row] = []

// Profiling mode: `CoreReport --profile <w3c-di|w3c-jwt|ietf-jwt|ietf-cwt> [seconds]` verifies the 1M-entry list in
// that representation (ES256) in a loop, for `perf record -g` or `valgrind --tool=callgrind`.
if let flag = arguments.firstIndex(of: "--profile") {
    let rest = Array(arguments[flag...].dropFirst())
    guard let name = rest.first, let format = SecuredFormat(rawValue: name == "lean" ? "ietf-jwt" : name) else {
        FileHandle.standardError.write(Data("usage: CoreReport --profile <w3c-di|w3c-jwt|ietf-jwt|ietf-cwt|lean> [seconds]\n".utf8))
        exit(2)
    }
    let seconds = rest.dropFirst().first.flatMap(Double.init) ?? 10
    do {
        let list = try ListFixture(entries: 1_048_576)
        let signer = SignerFixture(.es256)
        let body = try Statements.secure(Statements.statement(list), as: format, signer: signer.signer, level: format.defaultLevel)
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        var count = 0
        while clock.now < end {
            if name == "lean" {
                consume(try LeanIETFJWT.verify(String(decoding: body, as: UTF8.self), key: signer.signer.key.verificationKey))
            } else {
                consume(try Statements.verify(body, as: format, trustedKeys: signer.trustedKeys))
            }
            count += 1
        }
        FileHandle.standardError.write(Data("\(count) verifications of \(name) in \(seconds) s\n".utf8))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("profile failed: \(error)\n".utf8))
        exit(1)
    }
}

@MainActor
func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func fixed(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

@MainActor
func record(_ row: Row) {
    rows.append(row)
    var line = "\(row.id):"
    if let ns = row.nanoseconds { line += " \(fixed(ns / 1000, 1)) µs" }
    if let rate = row.ratePerSecond { line += " \(fixed(rate / 1e6, 2)) M/s" }
    if let ratio = row.ratio { line += " ratio \(fixed(ratio, 2))" }
    if let bytes = row.compressedBytes { line += " \(bytes) B" }
    if let met = row.met { line += met ? " [met]" : " [MISSED]" }
    log(line)
}

/// A timed row: candidate against baseline.
@MainActor
func timed(
    _ id: String,
    group: String,
    figure: String,
    entries: Int? = nil,
    format: String? = nil,
    level: Int? = nil,
    algorithm: String? = nil,
    baseline: String,
    rounds: Int = rounds,
    target: Double? = nil,
    note: String? = nil,
    candidate: () throws -> Int,
    baselineBody: () throws -> Int
) rethrows {
    let result = try compare(rounds: rounds, candidate: candidate, baseline: baselineBody)
    var row = Row(id: id, group: group, figure: figure, entries: entries, format: format, level: level, algorithm: algorithm)
    row.nanoseconds = result.candidateNanoseconds
    row.baseline = baseline
    row.baselineNanoseconds = result.baselineNanoseconds
    row.ratio = result.ratio
    row.ratioP25 = result.ratioP25
    row.ratioP75 = result.ratioP75
    row.rounds = result.rounds
    row.note = note
    if let target {
        row.target = "ratio <= \(fixed(target, 1))"
        row.met = result.ratio <= target
    }
    record(row)
}

do {
    let allocatorBatch = 10_000
    for entries in benchmarkSizes {
        log("== \(entries) entries: building the list (1 % set, seeded)")
        let list = try ListFixture(entries: entries)
        let msb = list.msbFirstBytes
        let lsb = list.lsbFirstBytes

        // MARK: Compressed sizes per level (the level trade-off) and encode time against zlib alone.
        var gzipByLevel: [Int: [UInt8]] = [:]
        var zlibByLevel: [Int: [UInt8]] = [:]
        for level in benchmarkLevels {
            let gzip = try ZlibBaseline.deflate(msb, container: .gzip, level: level)
            let zlib = try ZlibBaseline.deflate(lsb, container: .zlib, level: level)
            gzipByLevel[level] = gzip
            zlibByLevel[level] = zlib
            let w3cText = try list.bitstring.w3cEncodedList(level: level)
            let ietfText = try list.bitstring.ietfEncodedList(level: level)
            for (format, bytes, text) in [("w3c", gzip, w3cText), ("ietf", zlib, ietfText)] {
                var size = Row(
                    id: "size.\(format).L\(level).\(entries)",
                    group: "size",
                    figure: "\(format == "w3c" ? "W3C gzip" : "IETF zlib") size L\(level)",
                    entries: entries,
                    format: format,
                    level: level
                )
                size.compressedBytes = bytes.count
                size.rawBytes = msb.count
                size.textBytes = text.utf8.count
                record(size)
            }
            try timed(
                "encode.w3c.L\(level).\(entries)",
                group: "encode",
                figure: "W3C encode (gzip L\(level) + base64url)",
                entries: entries,
                format: "w3c",
                level: level,
                baseline: "zlib deflate gzip L\(level) alone",
                candidate: { try list.bitstring.w3cEncodedList(level: level).utf8.count },
                baselineBody: { try ZlibBaseline.deflate(msb, container: .gzip, level: level).count }
            )
            try timed(
                "encode.ietf.L\(level).\(entries)",
                group: "encode",
                figure: "IETF encode (LSB layout + zlib L\(level) + base64url)",
                entries: entries,
                format: "ietf",
                level: level,
                baseline: "zlib deflate zlib L\(level) alone",
                candidate: { try list.bitstring.ietfEncodedList(level: level).utf8.count },
                baselineBody: { try ZlibBaseline.deflate(lsb, container: .zlib, level: level).count }
            )
        }

        // MARK: Decode against zlib alone inflating the same bytes (default publication levels).
        let w3cLevel = Bitstring.defaultW3CCompressionLevel
        let ietfLevel = Bitstring.defaultIETFCompressionLevel
        let w3cText = try list.bitstring.w3cEncodedList(level: w3cLevel)
        let ietfText = try list.bitstring.ietfEncodedList(level: ietfLevel)
        let gzipBytes = gzipByLevel[w3cLevel] ?? []
        let zlibBytes = zlibByLevel[ietfLevel] ?? []
        try timed(
            "decode.w3c.\(entries)",
            group: "decode",
            figure: "W3C decode (base64url + checked gunzip)",
            entries: entries,
            format: "w3c",
            level: w3cLevel,
            baseline: "zlib inflate of the same gzip bytes",
            candidate: { try Bitstring(w3cEncodedList: w3cText).byteCount },
            baselineBody: { try ZlibBaseline.inflate(gzipBytes, container: .gzip, decompressedSize: msb.count).count }
        )
        try timed(
            "decode.ietf.\(entries)",
            group: "decode",
            figure: "IETF decode (base64url + checked inflate + layout)",
            entries: entries,
            format: "ietf",
            level: ietfLevel,
            baseline: "zlib inflate of the same zlib bytes",
            candidate: { try Bitstring(ietfEncodedList: ietfText, bits: .one).byteCount },
            baselineBody: { try ZlibBaseline.inflate(zlibBytes, container: .zlib, decompressedSize: lsb.count).count }
        )

        // MARK: Sign and verify each representation, ES256 and EdDSA.
        let statement = Statements.statement(list)
        for algorithm in [SignatureAlgorithm.es256, .edDSA] {
            let signer = SignerFixture(algorithm)
            for format in SecuredFormat.allCases {
                let level = format.defaultLevel
                let raw = format.isW3C ? msb : lsb
                let compressed = format.isW3C ? (gzipByLevel[level] ?? []) : (zlibByLevel[level] ?? [])
                let body = try Statements.secure(statement, as: format, signer: signer.signer, level: level)
                let verified = try Statements.verify(body, as: format, trustedKeys: signer.trustedKeys)
                guard verified.bitstring == list.bitstring else {
                    throw ZlibBaseline.Failure(description: "\(format.rawValue) did not round-trip")
                }
                var size = Row(
                    id: "size.signed.\(format.rawValue).\(signer.name).\(entries)",
                    group: "signed-size",
                    figure: "\(format.rawValue) \(signer.name) signed artefact",
                    entries: entries,
                    format: format.rawValue,
                    level: level,
                    algorithm: signer.name
                )
                size.compressedBytes = compressed.count
                size.textBytes = body.count
                record(size)
                try timed(
                    "sign.\(format.rawValue).\(signer.name).\(entries)",
                    group: "sign",
                    figure: "sign \(format.rawValue) \(signer.name) (encode L\(level) + sign)",
                    entries: entries,
                    format: format.rawValue,
                    level: level,
                    algorithm: signer.name,
                    baseline: "zlib deflate \(format.container.rawValue) L\(level) alone",
                    candidate: { try Statements.secure(statement, as: format, signer: signer.signer, level: level).count },
                    baselineBody: { try ZlibBaseline.deflate(raw, container: format.container, level: level).count }
                )
                let bodyText = String(decoding: body, as: UTF8.self)
                let verifyBody: () throws -> Int
                switch format {
                case .ietfJWT:
                    // The token as a relying party holds it after the fetch: a String, no conversion timed.
                    verifyBody = {
                        try StatusListVerifier.verifyIETFJWT(
                            bodyText,
                            expectedURI: Statements.url,
                            trustedKeys: signer.trustedKeys,
                            at: Statements.verifiedAt
                        ).bitstring.count
                    }
                case .w3cJWT:
                    verifyBody = {
                        try StatusListVerifier.verifyW3CJWT(bodyText, trustedKeys: signer.trustedKeys, at: Statements.verifiedAt)
                            .bitstring.count
                    }
                default:
                    verifyBody = { try Statements.verify(body, as: format, trustedKeys: signer.trustedKeys).bitstring.count }
                }
                let isTarget = format == .ietfJWT && entries == 1_048_576
                try timed(
                    "verify.\(format.rawValue).\(signer.name).\(entries)",
                    group: isTarget ? "target" : "verify",
                    figure: isTarget
                        ? "TARGET decode + verify 1M IETF JWT \(signer.name)"
                        : "verify \(format.rawValue) \(signer.name) (verify + decode)",
                    entries: entries,
                    format: format.rawValue,
                    level: level,
                    algorithm: signer.name,
                    baseline: "zlib inflate of the same \(format.container.rawValue) bytes",
                    target: isTarget ? jwtTargetRatio : nil,
                    candidate: verifyBody,
                    baselineBody: { try ZlibBaseline.inflate(compressed, container: format.container, decompressedSize: raw.count).count }
                )

                // MARK: Where the time of the 1M IETF JWT verification goes (each step against the same baseline).
                if isTarget {
                    let jws = try CompactJWS(parsing: bodyText)
                    guard let key = signer.trustedKeys.key(keyID: jws.header.keyID) else {
                        throw ZlibBaseline.Failure(description: "the signer's key is not trusted")
                    }
                    let claim = try JSONDecoder().decode(StatusListClaimOnly.self, from: jws.payload).statusList
                    let inflateBaseline = {
                        try ZlibBaseline.inflate(compressed, container: .zlib, decompressedSize: raw.count).count
                    }
                    let steps: [(String, String, () throws -> Int)] = [
                        ("jws-parse", "CompactJWS(parsing:) (3 base64url parts, header JSON)", { try CompactJWS(parsing: bodyText).payload.count }),
                        (
                            "signature", "signature check only (pre-parsed JWS)",
                            {
                                try jws.verify(with: key, expectedType: StatusListSigner.statusListJWTType)
                                return 1
                            }
                        ),
                        (
                            "claims-json", "JSONDecoder status_list claim (validates lst base64url)",
                            {
                                try JSONDecoder().decode(StatusListClaimOnly.self, from: jws.payload).statusList.lst.utf8.count
                            }
                        ),
                        (
                            "lst-to-bitstring", "IETFStatusList.bitstring() (base64url + checked inflate + layout)",
                            {
                                try claim.bitstring().byteCount
                            }
                        ),
                        (
                            "checked-inflate", "Bitstring(ietfCompressed:) (checked inflate + layout)",
                            {
                                try Bitstring(ietfCompressed: compressed, bits: .one).byteCount
                            }
                        ),
                        (
                            "layout", "Bitstring(lsbFirstBytes:) (LSB->MSB table pass only)",
                            {
                                try Bitstring(lsbFirstBytes: raw, entrySize: .one).byteCount
                            }
                        ),
                    ]
                    // Not a library figure: a lean pipeline of public pieces (see LeanIETFJWT) that shows what the fixes
                    // suggested in the README would bring.
                    let lean = LeanIETFJWT.self
                    guard try lean.verify(bodyText, key: key) == list.bitstring else {
                        throw ZlibBaseline.Failure(description: "lean pipeline did not round-trip")
                    }
                    try timed(
                        "projection.lean-ietf-jwt.\(signer.name)",
                        group: "breakdown",
                        figure: "1M IETF JWT \(signer.name): PROJECTION lean pipeline (byte split, one base64 pass, direct inflate)",
                        entries: entries,
                        format: "ietf-jwt",
                        level: level,
                        algorithm: signer.name,
                        baseline: "zlib inflate of the same zlib bytes",
                        candidate: { try lean.verify(bodyText, key: key).byteCount },
                        baselineBody: inflateBaseline
                    )
                    try timed(
                        "projection.lean-no-layout.\(signer.name)",
                        group: "breakdown",
                        figure: "1M IETF JWT \(signer.name): PROJECTION lean pipeline without the LSB->MSB conversion",
                        entries: entries,
                        format: "ietf-jwt",
                        level: level,
                        algorithm: signer.name,
                        baseline: "zlib inflate of the same zlib bytes",
                        candidate: { try lean.verifiedLSBFirstBytes(bodyText, key: key).bytes.count },
                        baselineBody: inflateBaseline
                    )
                    for (name, figure, body) in steps {
                        try timed(
                            "breakdown.\(name).\(signer.name)",
                            group: "breakdown",
                            figure: "1M IETF JWT \(signer.name): \(figure)",
                            entries: entries,
                            format: "ietf-jwt",
                            level: level,
                            algorithm: signer.name,
                            baseline: "zlib inflate of the same zlib bytes",
                            candidate: body,
                            baselineBody: inflateBaseline
                        )
                    }
                }
            }
        }

        // MARK: Index allocation throughput against Swift's Hasher (SipHash-1-3) on the same integers.
        let allocator = try IndexAllocator(key: allocatorKey, capacity: entries)
        var start = 0
        let allocation = try compare(
            rounds: rounds,
            candidate: {
                var sum = 0
                for sequence in start..<(start + allocatorBatch) { sum &+= try allocator.index(forSequence: sequence % entries) }
                start = (start + allocatorBatch) % entries
                return sum
            },
            baseline: {
                var sum = 0
                for sequence in 0..<allocatorBatch {
                    var hasher = Hasher()
                    hasher.combine(sequence)
                    sum &+= hasher.finalize()
                }
                return sum
            }
        )
        var allocationRow = Row(
            id: "allocator.\(entries)",
            group: entries == 1_048_576 ? "target" : "allocator",
            figure: "\(entries == 1_048_576 ? "TARGET " : "")IndexAllocator.index(forSequence:) rate",
            entries: entries
        )
        allocationRow.nanoseconds = allocation.candidateNanoseconds / Double(allocatorBatch)
        allocationRow.ratePerSecond = 1e9 * Double(allocatorBatch) / allocation.candidateNanoseconds
        allocationRow.baseline = "Swift Hasher (SipHash-1-3) of one Int"
        allocationRow.baselineNanoseconds = allocation.baselineNanoseconds / Double(allocatorBatch)
        allocationRow.baselineRatePerSecond = 1e9 * Double(allocatorBatch) / allocation.baselineNanoseconds
        allocationRow.ratio = allocation.ratio
        allocationRow.ratioP25 = allocation.ratioP25
        allocationRow.ratioP75 = allocation.ratioP75
        allocationRow.rounds = allocation.rounds
        allocationRow.target = "rate >= 5,000,000 /s"
        allocationRow.met = (allocationRow.ratePerSecond ?? 0) >= allocationTargetRate
        record(allocationRow)

        // MARK: Bit reads against a hand-written read of the raw MSB-first bytes.
        let readBatch = 65_536
        let bitstring = list.bitstring
        let mask = entries - 1  // both sizes are powers of two
        timed(
            "read.\(entries)",
            group: "read",
            figure: "Bitstring subscript read (65,536 scattered reads per op)",
            entries: entries,
            baseline: "raw [UInt8] shift-and-mask read",
            candidate: {
                var sum = 0
                var index = 0
                for _ in 0..<readBatch {
                    index = (index &+ 40_503) & mask
                    sum &+= Int(bitstring[index])
                }
                return sum
            },
            baselineBody: {
                var sum = 0
                var index = 0
                msb.withUnsafeBufferPointer { bytes in
                    for _ in 0..<readBatch {
                        index = (index &+ 40_503) & mask
                        sum &+= Int((bytes[index &>> 3] &>> UInt8(7 &- (index & 7))) & 1)
                    }
                }
                return sum
            }
        )
    }

    var info = utsname()
    uname(&info)
    let host = withUnsafeBytes(of: &info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let report = Report(
        generatedAt: ISO8601DateFormatter().string(from: Date()),
        host: host,
        processors: ProcessInfo.processInfo.activeProcessorCount,
        quick: quick,
        seed: String(benchmarkSeed, radix: 16),
        setFraction: 0.01,
        rows: rows
    )
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: outputPath))
    log("wrote \(outputPath)")
} catch {
    log("CoreReport failed: \(error)")
    exit(1)
}
