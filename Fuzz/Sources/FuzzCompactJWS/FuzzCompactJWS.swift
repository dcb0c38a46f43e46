import FuzzDriver
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

@_cdecl("FuzzCompactJWS_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
