import FuzzDriver
import Signing

/// CBOR (RFC 8949) decoding; what decodes is encoded again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let value = try? CBOR.decode(Array(bytes)) {
        _ = value.encoded()
    }
    return 0
}

@_cdecl("FuzzCBOR_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
