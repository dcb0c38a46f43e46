import FuzzDriver
import Signing

/// DID documents (did:web's `did.json`): JSON, the document model, and the key of every verification method; and
/// `did:key` identifiers, which carry the key themselves.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let document = try? JSONValue(parsing: bytes).decode(DIDDocument.self) {
        for method in document.verificationMethod {
            _ = try? method.verificationKey()
            _ = try? document.verificationKey(for: method.id, relationship: .assertionMethod)
            _ = try? document.verificationKey(for: method.id, relationship: .authentication)
        }
    }
    _ = try? DIDKey(String(decoding: bytes, as: UTF8.self))
    return 0
}

@_cdecl("FuzzDIDDocument_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
