import StatusList
import WireEncoding

/// A signed statement (a compact JWS) as the registry keeps it in memory and in checkpoints: its payload decoded from
/// base64url and DEFLATE-compressed, the header and signature as they are.
///
/// Every accreditation keeps the statement that created it (the EBSI attribute body) and those of its later changes.
/// At 50,000 accreditations that text was 144 MB of the server's memory; packed it is about a third of that. The
/// exact text comes back on every read: a statement is packed only when unpacking reproduces it byte for byte (its
/// payload is canonical unpadded base64url), and is kept as text otherwise.
public struct PackedStatement: Hashable, Sendable {
    enum Storage: Hashable, Sendable {
        /// `header` and `signature` are the first and last base64url parts; `payload` the raw DEFLATE of the middle
        /// part's bytes, `payloadBytes` long.
        case packed(header: String, payload: [UInt8], payloadBytes: Int, signature: String)
        case text(String)
    }

    let storage: Storage

    init(storage: Storage) {
        self.storage = storage
    }

    /// Packs `compact`.
    public init(_ compact: String) {
        storage = Self.pack(compact) ?? .text(compact)
    }

    /// The statement's exact compact text.
    public var text: String {
        switch storage {
        case .text(let text):
            return text
        case .packed(let header, let payload, let payloadBytes, let signature):
            // Packing checked that this gives the text back; the bytes are our own.
            guard let text = Self.unpack(header: header, payload: payload, payloadBytes: payloadBytes, signature: signature) else {
                preconditionFailure("a packed statement does not unpack")
            }
            return text
        }
    }

    private static func pack(_ compact: String) -> Storage? {
        let parts = compact.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let header = String(parts[0]), let payloadText = String(parts[1]), let signature = String(parts[2]),
            let bytes = decode(payloadText), !bytes.isEmpty, let payload = try? WireCompression.compress(bytes, format: .deflate, level: 6),
            unpack(header: header, payload: payload, payloadBytes: bytes.count, signature: signature) == compact
        else { return nil }
        return .packed(header: header, payload: payload, payloadBytes: bytes.count, signature: signature)
    }

    private static func unpack(header: String, payload: [UInt8], payloadBytes: Int, signature: String) -> String? {
        guard let bytes = try? WireCompression.decompress(payload, format: .deflate, maximumSize: payloadBytes), bytes.count == payloadBytes
        else { return nil }
        return header + "." + Base64URL.encode(bytes) + "." + signature
    }

    private static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            guard let count = Base64URL.decodedCount(forLength: utf8.count) else { return nil }
            var outcome = Base64URL.Outcome.decoded
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                outcome = Base64URL.decode(utf8, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            }
            return outcome == .decoded ? bytes : nil
        }
    }
}
