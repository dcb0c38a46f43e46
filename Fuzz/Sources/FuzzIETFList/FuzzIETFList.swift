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

// SwiftPM links an executable with `main` aliased to `<module>_main`, so libFuzzer's own `main` is never used:
// this is that entry point, and it hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("FuzzIETFList_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
