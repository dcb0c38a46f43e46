import Foundation
import Signing
import StandingAPI
import StatusList
import StatusListSecuring
import Store

/// Publishes lists signed with the service keys: the W3C credential with a Data Integrity proof (Ed25519,
/// `eddsa-jcs-2022`, when the service has an Ed25519 key; else ES256 `ecdsa-jcs-2019`) and as `vc+jwt` (ES256),
/// and, for lists that carry the IETF status types, the IETF token as JWT and CWT (ES256).
public struct SignedPublicationBuilder: PublicationBuilder {
    let keys: ServiceKeys
    /// Where each list's IETF `aggregation_uri` points (its owner's Status List Aggregation); nil leaves it out.
    let aggregation: StatusAggregation?

    /// Creates the builder.
    /// - Parameters:
    ///   - keys: The service keys that sign every representation.
    ///   - aggregation: The aggregation URLs to name in the IETF tokens' `aggregation_uri`, if published.
    public init(keys: ServiceKeys, aggregation: StatusAggregation? = nil) {
        self.keys = keys
        self.aggregation = aggregation
    }

    /// The media types a list is published in: always the two W3C forms; the IETF forms when the list carries the
    /// IETF status types (see ``ListRules/ietfExpressible``).
    public static func formats(for list: StatusListDefinition) -> [StatusMediaType] {
        publishesIETF(list) ? StatusMediaType.allCases : [.vc, .vcJWT]
    }

    /// Whether the list is published in the IETF forms too (so its IETF compression is needed).
    public static func publishesIETF(_ list: StatusListDefinition) -> Bool {
        ListRules(list).ietfExpressible
    }

    public func build(
        _ definition: StatusListDefinition,
        bitstring: Bitstring,
        compressed: CompressedForms,
        listURL: String,
        issuedAt: Date,
        validUntil: Date
    ) throws -> [StatusMediaType: Data] {
        guard let jose = keys.active(.es256) ?? keys.active(.edDSA) else {
            throw ServiceError(.unavailable, "the service has no signing key")
        }
        let proofKey = keys.active(.edDSA) ?? jose
        let statement = StatusListStatement(
            url: listURL,
            issuer: keys.did,
            bitstring: bitstring,
            purposes: [StatusPurpose(rawValue: definition.purpose.rawValue)],
            issuedAt: issuedAt,
            validUntil: validUntil,
            ttlSeconds: definition.ttlSeconds,
            statusMessages: definition.purpose == .message && !definition.statusMessages.isEmpty ? definition.statusMessages : nil,
            aggregationURI: aggregation?.url(owner: definition.owner)
        )
        let credential = try StatusListSigner.w3cCredential(statement, encodedList: compressed.w3cEncodedList)
        var representations: [StatusMediaType: Data] = [
            .vc: try StatusListSigner.dataIntegrityCredential(credential, signer: Self.signer(proofKey), created: issuedAt),
            .vcJWT: Data(try StatusListSigner.credentialJWT(credential, signer: Self.signer(jose)).utf8),
        ]
        if Self.publishesIETF(definition) {
            guard let lst = compressed.ietfCompressed else {
                throw ServiceError(.unavailable, "list '\(definition.id)' is published in the IETF forms but its IETF compression is missing")
            }
            representations[.statusListJWT] = Data(
                try StatusListSigner.statusListJWT(statement, signer: Self.signer(jose), compressedList: lst).utf8)
            representations[.statusListCWT] = try StatusListSigner.statusListCWT(statement, signer: Self.signer(jose), compressedList: lst)
        }
        return representations
    }

    static func signer(_ key: ServiceKeys.Key) -> StatusListSigningKey {
        StatusListSigningKey(key: key.signingKey, keyID: key.kid, verificationMethod: key.verificationMethod)
    }
}
