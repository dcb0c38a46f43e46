import FuzzDriver
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

@_cdecl("FuzzCOSESign1_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
