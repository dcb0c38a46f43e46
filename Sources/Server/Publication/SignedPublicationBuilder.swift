import Foundation
import Signing
import StandingAPI
import StatusList
import StatusListSecuring
import Store

/// Publishes lists signed by their owner's signing identity when it has an active one, else by the service keys: the
/// W3C credential with a Data Integrity proof (Ed25519, `eddsa-jcs-2022`, when the signer has an Ed25519 key; else
/// ES256 `ecdsa-jcs-2019`) and as `vc+jwt` (ES256), and, for lists that carry the IETF status types, the IETF token as
/// JWT and CWT (ES256, with `x5c` when the identity has a certificate chain).
public struct SignedPublicationBuilder: PublicationBuilder {
    let keys: SigningKeyRing
    /// Where each list's IETF `aggregation_uri` points (its owner's Status List Aggregation); nil leaves it out.
    let aggregation: StatusAggregation?

    /// Creates the builder.
    /// - Parameters:
    ///   - keys: The keys that sign: read at every build, so rotations and new identities apply to the next publication.
    ///   - aggregation: The aggregation URLs to name in the IETF tokens' `aggregation_uri`, if published.
    public init(keys: SigningKeyRing, aggregation: StatusAggregation? = nil) {
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
        let signer = try keys.signer(forOwner: definition.owner)
        let statement = StatusListStatement(
            url: listURL,
            issuer: signer.issuer,
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
            .vc: try StatusListSigner.dataIntegrityCredential(credential, signer: signer.proof, created: issuedAt),
            .vcJWT: Data(try StatusListSigner.credentialJWT(credential, signer: signer.jose).utf8),
        ]
        if Self.publishesIETF(definition) {
            guard let lst = compressed.ietfCompressed else {
                throw ServiceError(.unavailable, "list '\(definition.id)' is published in the IETF forms but its IETF compression is missing")
            }
            representations[.statusListJWT] = Data(
                try StatusListSigner.statusListJWT(statement, signer: signer.jose, compressedList: lst).utf8)
            representations[.statusListCWT] = try StatusListSigner.statusListCWT(statement, signer: signer.jose, compressedList: lst)
        }
        return representations
    }
}
