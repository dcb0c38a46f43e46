import Foundation
import Signing

/// How an issuer's signing identity is published, so that verifiers can tie its lists to it.
public enum SigningIdentityKind: String, Codable, Sendable, CaseIterable {
    /// The service generates and holds the key and hosts the issuer's DID document (`did:web:HOST:issuers:NAME`).
    case hosted
    /// The service holds the key; the issuer lists its public JWK in its own `did:web` document.
    case didWeb = "did-web"
    /// The service holds the key; the issuer's CA certifies it as a status-signing certificate (`x5c`).
    case x509
}

/// Whether a key of an identity may sign.
public enum IdentityKeyState: String, Codable, Sendable {
    /// Generated, but not yet published (did-web) or certified (x509): it does not sign.
    case pending
    /// Signs (the newest active key of the identity) or signed before a rotation and stays published.
    case active
    /// Superseded, and everything it signed has expired: no longer published.
    case retired
}

/// `POST /admin/identities` (operator): give an issuer principal a signing identity.
public struct CreateIdentityRequest: Codable, Sendable, Equatable {
    /// The issuer principal whose lists the identity signs.
    public var issuer: String
    public var kind: SigningIdentityKind
    /// `did-web` only: the issuer's own `did:web` DID, whose document will list the key.
    public var did: String?
    /// `x509` only: the subject the CSR names (defaults to the issuer principal as common name).
    public var commonName: String?
    /// `x509` only: the organisation (O) the CSR names.
    public var organization: String?
    /// `x509` only: the two-letter country (C) the CSR names.
    public var country: String?
    /// Whether lists the issuer owns already switch to the new identity; required (true) when it owns any, so that
    /// the change of signer for existing lists is explicit.
    public var switchExistingLists: Bool?

    /// Creates a request.
    public init(
        issuer: String, kind: SigningIdentityKind, did: String? = nil, commonName: String? = nil, organization: String? = nil,
        country: String? = nil, switchExistingLists: Bool? = nil
    ) {
        self.issuer = issuer
        self.kind = kind
        self.did = did
        self.commonName = commonName
        self.organization = organization
        self.country = country
        self.switchExistingLists = switchExistingLists
    }
}

/// `POST /admin/identities/{issuer}/chain` (operator): the certificate chain the issuer's CA returned.
public struct ImportChainRequest: Codable, Sendable, Equatable {
    /// PEM certificates, leaf first.
    public var pem: String

    /// Creates a request.
    public init(pem: String) {
        self.pem = pem
    }
}

/// `POST /admin/identities/{issuer}/activate` (operator): the issuer published the pending key in its DID document.
public struct ActivateIdentityRequest: Codable, Sendable, Equatable {
    /// The pending key to activate (the newest pending one when left out).
    public var keyId: String?

    /// Creates a request.
    public init(keyId: String? = nil) {
        self.keyId = keyId
    }
}

/// `POST /admin/keys/rotate` (operator): a new key for the service, or for one issuer's identity.
public struct RotateKeysRequest: Codable, Sendable, Equatable {
    /// The issuer whose identity gets a new key; the service's own keys when left out.
    public var issuer: String?

    /// Creates a request.
    public init(issuer: String? = nil) {
        self.issuer = issuer
    }
}

/// One key of a signing identity: never private material.
public struct IdentityKeyInfo: Codable, Sendable, Equatable {
    /// The key id (`kid`; the verification method is `DID#kid`).
    public var kid: String
    /// The JOSE algorithm (`ES256`, `EdDSA`).
    public var algorithm: String
    public var state: IdentityKeyState
    /// Whether this key signs now.
    public var signing: Bool
    public var createdAt: Date
    /// When a newer key took over; nil while it is the newest.
    public var supersededAt: Date?
    /// When it leaves the published documents (everything it signed has expired by then).
    public var retiresAt: Date?
    /// The public key (never `d`), as the issuer publishes it (did-web) or the DID document lists it.
    public var publicJwk: JWK?
    /// x509: the certificate chain (base64 DER, leaf first), once imported.
    public var certificateChain: [String]?
    /// x509: the leaf certificate's subject, issuer and validity, for people.
    public var certificate: CertificateSummary?

    /// Creates the description of a key.
    public init(
        kid: String, algorithm: String, state: IdentityKeyState, signing: Bool, createdAt: Date, supersededAt: Date?, retiresAt: Date?,
        publicJwk: JWK?, certificateChain: [String]?, certificate: CertificateSummary?
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.state = state
        self.signing = signing
        self.createdAt = createdAt
        self.supersededAt = supersededAt
        self.retiresAt = retiresAt
        self.publicJwk = publicJwk
        self.certificateChain = certificateChain
        self.certificate = certificate
    }
}

/// The leaf certificate of an imported chain, for people.
public struct CertificateSummary: Codable, Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date

    /// Creates a summary.
    public init(subject: String, issuer: String, notBefore: Date, notAfter: Date) {
        self.subject = subject
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// An issuer's signing identity as the admin API shows it.
public struct SigningIdentityInfo: Codable, Sendable, Equatable {
    /// The issuer principal.
    public var issuer: String
    public var kind: SigningIdentityKind
    /// The DID its lists name as W3C `issuer` and IETF `iss`.
    public var did: String
    /// Where the DID document is (hosted: served by this service).
    public var didDocumentURL: String
    /// Whether the identity signs the issuer's lists now (it has an active key).
    public var active: Bool
    /// Its keys, oldest first.
    public var keys: [IdentityKeyInfo]
    /// What the operator must do next, in words (publish the JWK, send the CSR to the CA, import the chain...).
    public var nextSteps: [String]
    /// Remarks about the last operation (e.g. that no extended key usage was checked).
    public var notes: [String]
    /// hosted: the DID document the service serves for the issuer.
    public var didDocument: DIDDocument?
    /// did-web with a pending key: the verification method to add to the issuer's DID document (its id, type,
    /// controller and `publicKeyJwk`), and to reference from `assertionMethod`.
    public var verificationMethodToPublish: DIDDocument.VerificationMethod?
    /// x509 with a pending key: the PKCS#10 certificate signing request to send to the issuer's CA (PEM).
    public var certificateSigningRequest: String?

    /// Creates the description of an identity.
    public init(
        issuer: String, kind: SigningIdentityKind, did: String, didDocumentURL: String, active: Bool, keys: [IdentityKeyInfo],
        nextSteps: [String], notes: [String] = [], didDocument: DIDDocument? = nil, verificationMethodToPublish: DIDDocument.VerificationMethod? = nil,
        certificateSigningRequest: String? = nil
    ) {
        self.issuer = issuer
        self.kind = kind
        self.did = did
        self.didDocumentURL = didDocumentURL
        self.active = active
        self.keys = keys
        self.nextSteps = nextSteps
        self.notes = notes
        self.didDocument = didDocument
        self.verificationMethodToPublish = verificationMethodToPublish
        self.certificateSigningRequest = certificateSigningRequest
    }
}

/// `GET /admin/identities`.
public struct IdentitiesPage: Codable, Sendable, Equatable {
    public var identities: [SigningIdentityInfo]

    /// Creates the page.
    public init(identities: [SigningIdentityInfo]) {
        self.identities = identities
    }
}

/// The answer to `POST /admin/keys/rotate` for the service's own keys.
public struct ServiceKeysInfo: Codable, Sendable, Equatable {
    /// The service's DID.
    public var did: String
    /// Its keys, oldest first.
    public var keys: [IdentityKeyInfo]
    /// How many lists are being re-signed.
    public var listsResigned: Int

    /// Creates the description.
    public init(did: String, keys: [IdentityKeyInfo], listsResigned: Int) {
        self.did = did
        self.keys = keys
        self.listsResigned = listsResigned
    }
}
