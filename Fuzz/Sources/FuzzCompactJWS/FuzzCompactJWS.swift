import Signing

/// Verifies with a fixed key of each algorithm, so the signature checks see attacker-chosen headers and signatures.
let keys = SignatureAlgorithm.allCases.map { SigningKey.generate($0).verificationKey }

/// Compact JWS: the split, base64url, the protected header, the payload as JSON and verification.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let jws = try? CompactJWS(parsing: text) else { return 0 }
    _ = try? jws.payloadJSON()
    for key in keys {
        _ = try? jws.verify(with: key, expectedType: "statuslist+jwt", understoodCriticalHeaders: ["sigT"])
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

@_cdecl("FuzzCompactJWS_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
