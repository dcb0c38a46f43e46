import Crypto
import Foundation
import SwiftASN1
import X509

/// Signs X.509 structures (certificates, PKCS#10 requests) through ``SigningKey/sign(_:)`` alone.
///
/// swift-certificates signs through `Certificate.PrivateKey`, which must wrap the private key itself. A key held in
/// an HSM can only be asked for a signature, so Standing lets swift-certificates build the structure with a
/// placeholder signature, then signs the exact to-be-signed bytes with the ``SigningKey`` and replaces the signature.
enum X509Signing {
    /// `SEQUENCE { toBeSigned, AlgorithmIdentifier, BIT STRING }` (RFC 5280 §4.1, RFC 2986 §4) with its signature
    /// replaced by `key`'s over `toBeSigned`, whose AlgorithmIdentifier must already name `key`'s algorithm.
    /// - Parameters:
    ///   - placeholder: The DER of the structure carrying a placeholder signature.
    ///   - key: The key that signs.
    /// - Returns: The DER of the signed structure.
    /// - Throws: ``SigningError/Code/malformed`` when `placeholder` is not such a SEQUENCE; the key's error when
    ///   signing fails.
    static func replacingSignature(of placeholder: [UInt8], signingWith key: SigningKey) throws(SigningError) -> [UInt8] {
        let parts: (toBeSigned: ArraySlice<UInt8>, algorithm: ArraySlice<UInt8>)
        do {
            let root = try DER.parse(placeholder)
            guard root.identifier == .sequence, case .constructed(let children) = root.content else {
                throw SigningError(.malformed, "X.509 structure is not a DER SEQUENCE")
            }
            let nodes = Array(children)
            guard nodes.count == 3 else { throw SigningError(.malformed, "X.509 signed structure has \(nodes.count) parts instead of 3") }
            parts = (nodes[0].encodedBytes, nodes[1].encodedBytes)
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.malformed, "X.509 structure does not parse as DER: \(error)")
        }
        let signature = try key.x509Signature(over: parts.toBeSigned)
        var serializer = DER.Serializer()
        do {
            try serializer.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(parts.toBeSigned)
                coder.serializeRawBytes(parts.algorithm)
                try coder.serialize(ASN1BitString(bytes: signature[...]))
            }
        } catch {
            throw SigningError(.malformed, "X.509 signed structure does not serialise: \(error)")
        }
        return serializer.serializedBytes
    }

    /// Parses a dotted OID such as `1.3.6.1.5.5.7.3.40`; see ``StatusSigningChain/objectIdentifier(_:)``.
    static func objectIdentifier(_ dotted: String) throws(SigningError) -> ASN1ObjectIdentifier {
        let arcs = dotted.split(separator: ".", omittingEmptySubsequences: false)
        guard arcs.count >= 2, arcs.count <= 64, arcs.allSatisfy({ !$0.isEmpty && $0.count <= 19 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let first = UInt(arcs[0]), first <= 2
        else {
            throw SigningError(.malformed, "\"\(dotted)\" is not a dotted object identifier such as 1.3.6.1.5.5.7.3.1")
        }
        do {
            return try ASN1ObjectIdentifier(dotRepresentation: dotted)
        } catch {
            throw SigningError(.malformed, "\"\(dotted)\" is not a valid object identifier: \(error)")
        }
    }

    /// The DER encoding of a swift-certificates structure.
    static func derBytes(of element: some DERSerializable) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(element)
        return serializer.serializedBytes
    }

    /// A placeholder signature that swift-certificates accepts for `algorithm` (a DER ECDSA-Sig-Value `{1, 1}` or 64
    /// zero bytes); always replaced by ``replacingSignature(of:signingWith:)`` before anything is returned.
    static func placeholderSignature(for algorithm: SignatureAlgorithm) throws(SigningError) -> Certificate.Signature {
        let bytes: [UInt8] = algorithm == .edDSA ? Array(repeating: 0, count: 64) : [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]
        do {
            return try Certificate.Signature(signatureAlgorithm: algorithm.certificateSignatureAlgorithm, signatureBytes: ASN1BitString(bytes: bytes[...]))
        } catch {
            throw SigningError(.signingFailed, "placeholder \(algorithm.rawValue) signature: \(error)")
        }
    }

    /// A fresh software key of `algorithm` for swift-certificates to sign a placeholder certificate with: its
    /// signature is replaced by the real key's, so the key is never used otherwise.
    static func placeholderPrivateKey(for algorithm: SignatureAlgorithm) -> Certificate.PrivateKey {
        switch algorithm {
        case .es256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .es384: Certificate.PrivateKey(P384.Signing.PrivateKey())
        case .edDSA: Certificate.PrivateKey(Curve25519.Signing.PrivateKey())
        }
    }
}

extension SigningKey {
    /// A signature as X.509 carries it in its BIT STRING: a DER ECDSA-Sig-Value (RFC 5480 §2.2 / RFC 3279 §2.2.3)
    /// for ECDSA, the 64 raw bytes for Ed25519 (RFC 8410 §6).
    /// - Parameter toBeSigned: The DER bytes to sign (TBSCertificate, CertificationRequestInfo).
    /// - Throws: ``SigningError/Code/signingFailed`` when the key fails or returns a signature of the wrong length.
    func x509Signature(over toBeSigned: some DataProtocol) throws(SigningError) -> [UInt8] {
        let raw = try sign(toBeSigned)
        guard raw.count == algorithm.signatureLength else {
            throw SigningError(.signingFailed, "\(algorithm.rawValue) signature is \(raw.count) bytes, expected \(algorithm.signatureLength)")
        }
        do {
            switch algorithm {
            case .es256: return Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
            case .es384: return Array(try P384.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
            case .edDSA: return Array(raw)
            }
        } catch {
            throw SigningError(.signingFailed, "\(algorithm.rawValue) signature does not convert to DER: \(error)")
        }
    }
}

extension SignatureAlgorithm {
    /// The X.509 signature algorithm: ecdsa-with-SHA256/384 (RFC 5758 §3.2) or Ed25519 (RFC 8410 §3).
    var certificateSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .es256: .ecdsaWithSHA256
        case .es384: .ecdsaWithSHA384
        case .edDSA: .ed25519
        }
    }
}
