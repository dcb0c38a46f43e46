import FuzzDriver
import StatusList

/// W3C Bitstring Status List `encodedList` (multibase `u` + base64url of GZIP). The first byte picks the entry size
/// and whether the rest is the `encodedList` text itself or the GZIP bytes (wrapped here, so the fuzzer mutates the
/// compressed stream directly rather than its base64url).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let selector = data[0]
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let statusSize = StatusSize.allCases[Int(selector & 0x7f) % StatusSize.allCases.count]
    let encodedList = selector & 0x80 == 0 ? String(decoding: rest, as: UTF8.self) : "u" + base64URL(rest)
    // A small cap keeps each run fast; the cap itself is what bounds a decompression bomb.
    if let bitstring = try? Bitstring(w3cEncodedList: encodedList, statusSize: statusSize, maximumBytes: 1 << 20) {
        _ = try? bitstring.w3cEncodedList()
    }
    return 0
}

/// Unpadded base64url (the decoder's own encoder is internal to StatusList).
func base64URL(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count * 4 + 2) / 3)
    var index = 0
    while index < bytes.count {
        let chunk = bytes[index..<min(index + 3, bytes.count)]
        let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
        for position in 0...chunk.count { out.append(alphabet[(value >> (18 - 6 * position)) & 63]) }
        index += 3
    }
    return String(decoding: out, as: UTF8.self)
}

@_cdecl("FuzzW3CList_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
