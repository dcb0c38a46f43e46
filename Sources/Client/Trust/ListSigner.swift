import Foundation
import Signing
import StatusList
import StatusListSecuring

/// Who a list says signed it, read before verification (nothing here is trusted: it only names the DID document to
/// fetch, whose keys must then verify the list, and the issuer binding decides whether they count).
enum ListSigner {
    /// The `did:web` or `did:key` a list names for its signer: the Data Integrity proof's verification method, a
    /// JWS/COSE `kid` that is a DID URL, else the list's issuer (W3C `issuer`, IETF `iss`); nil when it names none.
    static func declaredDID(of body: Data, mediaType: String?) -> String? {
        guard let format = try? StatusListVerifier.format(of: body, mediaType: mediaType) else { return nil }
        let named: String?
        switch format {
        case .w3cDataIntegrity:
            guard let document = try? JSONValue(parsing: body) else { return nil }
            let proof = document["proof"]?.arrayValue?.first ?? document["proof"]
            named = proof?["verificationMethod"]?.stringValue ?? issuer(in: document)
        case .w3cJWT, .ietfJWT:
            guard let text = String(data: body, encoding: .utf8),
                let jws = try? CompactJWS(parsing: text.trimmingWhitespaceAndNewlines())
            else { return nil }
            if let kid = jws.header.keyID, kid.hasPrefix("did:") {
                named = kid
            } else {
                let claims = try? jws.payloadJSON()
                named = claims?["iss"]?.stringValue ?? claims.flatMap(issuer)
            }
        case .ietfCWT:
            guard let message = try? COSESign1.parse(body, tagPolicy: .required) else { return nil }
            if let kid = message.kid.flatMap({ String(data: $0, encoding: .utf8) }), kid.hasPrefix("did:") {
                named = kid
            } else {
                named = (try? CBOR.decode(message.payload))?[CBOR(StatusListSigner.CWTClaim.issuer)]?.string
            }
        }
        guard let named else { return nil }
        let did = String(named.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        return did.hasPrefix(DIDWeb.prefix) || did.hasPrefix(DIDKey.prefix) ? did : nil
    }

    /// A W3C credential's `issuer`: a string or an object with an `id`.
    private static func issuer(in document: JSONValue) -> String? {
        document["issuer"]?.stringValue ?? document["issuer"]?["id"]?.stringValue
    }
}
