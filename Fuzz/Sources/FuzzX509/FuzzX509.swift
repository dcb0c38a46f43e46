import Foundation
import Signing

/// X.509: a PEM chain, and a DER chain split at the first two bytes (length of the first certificate), as `x5c`
/// carries it; the public key of what parses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    if let chain = try? X509Certificate.parseChain(pem: String(decoding: bytes, as: UTF8.self)) {
        for certificate in chain { _ = try? certificate.publicKey() }
    }
    var ders = [bytes]
    if bytes.count > 2 {
        let split = min(bytes.count - 2, Int(bytes[bytes.startIndex]) << 8 | Int(bytes[bytes.startIndex + 1]))
        ders = [bytes.dropFirst(2).prefix(split), bytes.dropFirst(2 + split)].map { Data($0) }
    }
    if let chain = try? X509Certificate.parseChain(der: ders) {
        for certificate in chain { _ = try? certificate.publicKey() }
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

@_cdecl("FuzzX509_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
