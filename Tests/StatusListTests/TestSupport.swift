import Foundation
import Testing

@testable import StatusList

/// A small deterministic generator (SplitMix64) so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

enum Hex {
    static func decode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String([high, low]), radix: 16)!)
        }
        return bytes
    }

    static func encode(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// Runs `body` and returns the `StatusListError` it throws, recording an issue when it throws nothing or another error.
@discardableResult
func expectStatusListError(
    _ code: StatusListError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> StatusListError? {
    do {
        try body()
        Issue.record("expected StatusListError \(code), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StatusListError {
        #expect(error.code == code, "expected \(code), got \(error)", sourceLocation: sourceLocation)
        #expect(!error.reason.isEmpty, "error \(error.code) has no reason", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StatusListError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// One list of the IETF draft examples (Vectors/ietf-draft-examples.json).
struct IETFVectorList: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let bits: Int
    let lst: String
    let byteArrayHex: String?
    let compressedHex: String?
    let size: Int
    let statuses: [String: Int]
    let unlistedAreZero: Bool?

    enum CodingKeys: String, CodingKey {
        case name
        case bits
        case lst
        case byteArrayHex = "byte_array_hex"
        case compressedHex = "compressed_hex"
        case size
        case statuses
        case unlistedAreZero = "unlisted_are_zero"
    }

    var testDescription: String { name }

    var listedStatuses: [(index: Int, value: UInt8)] {
        statuses.map { (Int($0.key)!, UInt8($0.value)) }.sorted { $0.index < $1.index }
    }
}

enum IETFVectors {
    struct File: Decodable {
        let lists: [IETFVectorList]
    }

    static func url() -> URL? {
        Bundle.module.url(forResource: "Vectors/ietf-draft-examples.json", withExtension: nil)
    }

    static let lists: [IETFVectorList] = {
        guard let url = url(), let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).lists) ?? []
    }()
}

/// The W3C vectors of status-lists.md §1.7.
enum W3CVectors {
    /// REC Example 3/5: 131,072 zero bits, gzip level 6 (XFL 0, OS 3).
    static let specAllZero = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    /// The same list compressed at level 9 (only the XFL byte differs).
    static let specAllZeroLevel9 = "uH4sIAAAAAAACA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    /// 1-bit, 131,072 entries, indices 0, 94567, 131071 set.
    static let vecA = "uH4sIAAAAAAAAA-3OQQ0AAAgEIK-50c3gy81BAroAAAAAAAAAAAAAAPgm1wEAAAAAtjKkzq7bAEAAAA"
    /// 2-bit, 131,072 entries: entry 0 = 1, entry 1 = 2, entry 5 = 3.
    static let vecB = "uH4sIAAAAAAAAA-3BAQEAAAgCoCY5qf8rHCLwOQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACYVxdMaLoAgAAA"
}

/// A random bitstring with roughly `density` of its entries non-zero.
func randomBitstring(count: Int, entrySize: StatusSize, density: Double, seed: UInt64) throws -> Bitstring {
    var generator = SeededGenerator(seed: seed)
    var bitstring = try Bitstring(count: count, entrySize: entrySize)
    for index in 0..<count where Double.random(in: 0..<1, using: &generator) < density {
        try bitstring.set(UInt8.random(in: 1...entrySize.maximumValue, using: &generator), at: index)
    }
    return bitstring
}

/// 64 MiB of zeros compressed at level 9 (about 64 KiB), built once and shared by the bomb tests.
enum Bombs {
    static let uncompressedSize = 64 << 20
    static let gzip = try! Deflate.compress([UInt8](repeating: 0, count: uncompressedSize), container: .gzip, level: 9)
    static let zlib = try! Deflate.compress([UInt8](repeating: 0, count: uncompressedSize), container: .zlib, level: 9)

    static func compressed(_ container: Deflate.Container) -> [UInt8] {
        container == .gzip ? gzip : zlib
    }
}
