// ordo-one/benchmark suite of the status-list core: wall clock p50/p99, throughput and malloc counts per operation.
// Ratios against zlib alone are computed by CoreReport (alternating A/B rounds); this suite supplies the
// distributions and allocation counts. Run: `swift package benchmark` (or ./run-core.sh for everything).

import BenchSupport
import Benchmark
import Foundation
import Signing
import StatusList
import StatusListSecuring

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(1),
        maxIterations: 2_000
    )

    do {
        for entries in benchmarkSizes {
            try registerCodecBenchmarks(ListFixture(entries: entries))
        }
    } catch {
        fatalError("cannot build the benchmark fixtures: \(error)")
    }
}

/// Registers every benchmark of one list size.
func registerCodecBenchmarks(_ list: ListFixture) throws {
    let entries = list.entries
    let bitstring = list.bitstring
    let msb = list.msbFirstBytes
    let lsb = list.lsbFirstBytes

    for level in benchmarkLevels {
        Benchmark("encode W3C gzip L\(level) \(entries)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try bitstring.w3cEncodedList(level: level)) }
        }
        Benchmark("encode IETF zlib L\(level) \(entries)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try bitstring.ietfEncodedList(level: level)) }
        }
    }

    let w3cText = try bitstring.w3cEncodedList(level: Bitstring.defaultW3CCompressionLevel)
    let ietfText = try bitstring.ietfEncodedList(level: Bitstring.defaultIETFCompressionLevel)
    let gzipBytes = try ZlibBaseline.deflate(msb, container: .gzip, level: Bitstring.defaultW3CCompressionLevel)
    let zlibBytes = try ZlibBaseline.deflate(lsb, container: .zlib, level: Bitstring.defaultIETFCompressionLevel)

    Benchmark("decode W3C \(entries)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try Bitstring(w3cEncodedList: w3cText)) }
    }
    Benchmark("decode IETF \(entries)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try Bitstring(ietfEncodedList: ietfText, bits: .one)) }
    }
    Benchmark("baseline zlib inflate gzip alone \(entries)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ZlibBaseline.inflate(gzipBytes, container: .gzip, decompressedSize: msb.count))
        }
    }
    Benchmark("baseline zlib inflate zlib alone \(entries)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ZlibBaseline.inflate(zlibBytes, container: .zlib, decompressedSize: lsb.count))
        }
    }

    let statement = Statements.statement(list)
    for algorithm in [SignatureAlgorithm.es256, .edDSA] {
        let signer = SignerFixture(algorithm)
        for format in SecuredFormat.allCases {
            let level = format.defaultLevel
            let body = try Statements.secure(statement, as: format, signer: signer.signer, level: level)
            Benchmark("sign \(format.rawValue) \(signer.name) L\(level) \(entries)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try Statements.secure(statement, as: format, signer: signer.signer, level: level))
                }
            }
            Benchmark("verify \(format.rawValue) \(signer.name) \(entries)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try Statements.verify(body, as: format, trustedKeys: signer.trustedKeys))
                }
            }
        }
    }

    // 1,000 allocations per iteration: throughput reads as thousands of allocations per second.
    let allocator = try IndexAllocator(key: allocatorKey, capacity: entries)
    Benchmark(
        "IndexAllocator.index(forSequence:) \(entries)",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        for sequence in benchmark.scaledIterations { blackHole(try allocator.index(forSequence: sequence)) }
    }

    let mask = entries - 1  // both sizes are powers of two
    Benchmark("Bitstring subscript read \(entries)", configuration: .init(scalingFactor: .mega)) { benchmark in
        var index = 0
        for _ in benchmark.scaledIterations {
            index = (index &+ 40_503) & mask
            blackHole(bitstring[index])
        }
    }
}
