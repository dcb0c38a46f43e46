import Foundation
import Testing

@testable import StatusList

@Suite("Deflate: zlib and gzip containers")
struct DeflateTests {
    static let containers: [Deflate.Container] = [.zlib, .gzip]

    static let samples: [[UInt8]] = [[], [0x42], sample(1000), sample(100_000, seed: 3)]

    static func sample(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        // Mostly zeros with some noise: compressible like a status list, but not trivially.
        return (0..<count).map { _ in UInt8.random(in: 0..<20, using: &generator) == 0 ? UInt8.random(in: 0...255, using: &generator) : 0 }
    }

    @Test("round trip at every level", arguments: containers, 0...9)
    func roundTrip(container: Deflate.Container, level: Int) throws {
        for input in Self.samples {
            let compressed = try Deflate.compress(input, container: container, level: level)
            #expect(Deflate.Container.sniff(compressed) == container)
            let output = try Deflate.decompress(compressed, container: container, maximumSize: 1 << 20)
            #expect(output == input)
        }
    }

    @Test("gzip header: mtime 0, OS 3, XFL by level as zlib writes it")
    func gzipHeader() throws {
        let level6 = try Deflate.compress([UInt8](repeating: 0, count: 16_384), container: .gzip, level: 6)
        #expect(Array(level6.prefix(10)) == [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03])
        let level9 = try Deflate.compress([UInt8](repeating: 0, count: 16_384), container: .gzip, level: 9)
        #expect(Array(level9.prefix(10)) == [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0x03])
        let zlib9 = try Deflate.compress([1, 2, 3], container: .zlib, level: 9)
        #expect(Array(zlib9.prefix(2)) == [0x78, 0xDA])
    }

    @Test("decompression bomb: 64 MiB of zeros stops at a 1 MiB cap", arguments: containers)
    func bomb(container: Deflate.Container) throws {
        let bomb = Bombs.compressed(container)
        #expect(bomb.count < 100_000)
        #expect(try Deflate.decompress(bomb, container: container, maximumSize: Bombs.uncompressedSize).count == Bombs.uncompressedSize)
        expectStatusListError(.sizeLimitExceeded) {
            _ = try Deflate.decompress(bomb, container: container, maximumSize: 1 << 20)
        }
    }

    @Test("the cap is inclusive: exactly maximumSize bytes pass, one more fails", arguments: containers)
    func capBoundary(container: Deflate.Container) throws {
        for size in [2, 1000, 65_536, 65_537, 200_000] {
            let compressed = try Deflate.compress(Self.sample(size), container: container, level: 6)
            #expect(try Deflate.decompress(compressed, container: container, maximumSize: size).count == size)
            expectStatusListError(.sizeLimitExceeded) {
                _ = try Deflate.decompress(compressed, container: container, maximumSize: size - 1)
            }
        }
    }

    @Test("the other container is reported as wrongCompressionFormat")
    func wrongContainer() throws {
        let data = Self.sample(5000)
        let zlib = try Deflate.compress(data, container: .zlib, level: 6)
        let gzip = try Deflate.compress(data, container: .gzip, level: 6)
        let zlibError = expectStatusListError(.wrongCompressionFormat) {
            _ = try Deflate.decompress(gzip, container: .zlib, maximumSize: 1 << 20)
        }
        #expect(zlibError?.reason.contains("gzip") == true)
        let gzipError = expectStatusListError(.wrongCompressionFormat) {
            _ = try Deflate.decompress(zlib, container: .gzip, maximumSize: 1 << 20)
        }
        #expect(gzipError?.reason.contains("zlib") == true)
    }

    @Test("raw DEFLATE without a container is corrupt", arguments: containers)
    func rawDeflate(container: Deflate.Container) throws {
        let zlib = try Deflate.compress(Self.sample(5000), container: .zlib, level: 6)
        // Strip the 2-byte zlib header and 4-byte Adler-32 trailer.
        let raw = Array(zlib[2..<(zlib.count - 4)])
        expectStatusListError(.corruptData) {
            _ = try Deflate.decompress(raw, container: container, maximumSize: 1 << 20)
        }
    }

    @Test("a flipped checksum byte is corrupt data", arguments: containers)
    func checksum(container: Deflate.Container) throws {
        let compressed = try Deflate.compress(Self.sample(5000), container: container, level: 6)
        // zlib: Adler-32 is the last 4 bytes. gzip: CRC-32 then ISIZE are the last 8 bytes.
        let checksumOffsets = container == .zlib ? [compressed.count - 4, compressed.count - 1] : Array((compressed.count - 8)..<compressed.count)
        for offset in checksumOffsets {
            var tampered = compressed
            tampered[offset] ^= 0x01
            expectStatusListError(.corruptData) {
                _ = try Deflate.decompress(tampered, container: container, maximumSize: 1 << 20)
            }
        }
    }

    @Test("every proper prefix of a stream is truncated", arguments: containers)
    func truncation(container: Deflate.Container) throws {
        let compressed = try Deflate.compress(Self.sample(3000), container: container, level: 6)
        for length in 0..<compressed.count {
            expectStatusListError(.truncated) {
                _ = try Deflate.decompress(Array(compressed.prefix(length)), container: container, maximumSize: 1 << 20)
            }
        }
    }

    @Test("bytes after the end of the stream are trailing data", arguments: containers)
    func trailing(container: Deflate.Container) throws {
        let compressed = try Deflate.compress(Self.sample(3000), container: container, level: 6)
        for garbage in [[0x00], [0xFF, 0xFF], compressed] {
            let error = expectStatusListError(.trailingData) {
                _ = try Deflate.decompress(compressed + garbage, container: container, maximumSize: 1 << 20)
            }
            #expect(error?.reason.contains("\(garbage.count) byte") == true)
        }
    }

    @Test("bad parameters are invalid arguments")
    func parameters() throws {
        expectStatusListError(.invalidArgument) { _ = try Deflate.compress([1], container: .zlib, level: 10) }
        expectStatusListError(.invalidArgument) { _ = try Deflate.compress([1], container: .gzip, level: -1) }
        let compressed = try Deflate.compress([1], container: .zlib, level: 6)
        expectStatusListError(.invalidArgument) { _ = try Deflate.decompress(compressed, container: .zlib, maximumSize: 0) }
        #expect(try Deflate.decompress(compressed, container: .zlib, maximumSize: .max) == [1])
    }
}
