import FuzzDriver
import StatusList

/// IETF Token Status List `lst` (base64url of ZLIB in the JSON form, raw ZLIB bytes in the CBOR form). The first
/// byte picks `bits` and the form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let selector = data[0]
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let bits = StatusSize.allCases[Int(selector & 0x7f) % StatusSize.allCases.count]
    let decoded =
        selector & 0x80 == 0
        ? try? Bitstring(ietfEncodedList: String(decoding: rest, as: UTF8.self), bits: bits, maximumBytes: 1 << 20)
        : try? Bitstring(ietfCompressed: rest, bits: bits, maximumBytes: 1 << 20)
    if let decoded {
        _ = try? decoded.ietfEncodedList()
    }
    return 0
}

@_cdecl("FuzzIETFList_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
