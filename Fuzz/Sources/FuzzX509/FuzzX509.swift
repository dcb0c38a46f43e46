import FuzzDriver
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

@_cdecl("FuzzX509_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
