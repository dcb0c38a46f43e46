import Signing

/// Verifies with a fixed key of each algorithm, so the signature checks see attacker-chosen headers and signatures.
let keys = SignatureAlgorithm.allCases.map { SigningKey.generate($0).verificationKey }

/// COSE_Sign1 (RFC 9052): the envelope with the tag required and optional, its headers, and verification.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for policy in [COSESign1.TagPolicy.required, .optional] {
        guard let message = try? COSESign1.parse(bytes, tagPolicy: policy) else { continue }
        for key in keys { _ = try? message.verify(with: key) }
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

@_cdecl("FuzzCOSESign1_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
