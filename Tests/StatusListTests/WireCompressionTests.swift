import Foundation
import Testing

@testable import StatusList

@Suite("WireCompression: raw DEFLATE (JOSE zip DEF) and gzip for other wire formats")
struct WireCompressionTests {
    @Test("round trip", arguments: [WireCompression.Format.deflate, .gzip])
    func roundTrip(format: WireCompression.Format) throws {
        for input in DeflateTests.samples {
            let compressed = try WireCompression.compress(input, format: format)
            #expect(try WireCompression.decompress(compressed, format: format, maximumSize: 1 << 20) == input)
        }
    }

    @Test("raw DEFLATE has no header; a truncated stream, trailing bytes and a bomb are refused")
    func rawHardening() throws {
        let input = DeflateTests.sample(100_000, seed: 5)
        let raw = try WireCompression.compress(input, format: .deflate)
        let zlib = try Deflate.compress(input, container: .zlib, level: 9)
        // The zlib stream is the raw one inside a 2-byte header and a 4-byte Adler-32 trailer.
        #expect(raw.count == zlib.count - 6 && Array(zlib[2..<(zlib.count - 4)]) == raw)
        expectStatusListError(.truncated) { _ = try WireCompression.decompress(Array(raw.dropLast(8)), format: .deflate, maximumSize: 1 << 20) }
        expectStatusListError(.trailingData) { _ = try WireCompression.decompress(raw + [0], format: .deflate, maximumSize: 1 << 20) }
        let bomb = try WireCompression.compress([UInt8](repeating: 0, count: 8 << 20), format: .deflate)
        expectStatusListError(.sizeLimitExceeded) { _ = try WireCompression.decompress(bomb, format: .deflate, maximumSize: 1 << 20) }
        // gzip data offered as raw DEFLATE is not inflated as if it were.
        let gzip = try WireCompression.compress(input, format: .gzip)
        #expect(throws: StatusListError.self) { _ = try WireCompression.decompress(gzip, format: .deflate, maximumSize: 1 << 20) }
    }
}
