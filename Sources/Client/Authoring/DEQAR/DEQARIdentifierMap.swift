import Foundation
import Signing

/// Which DID (and key) stands for which DEQAR agency and institution. DEQAR identifies parties by its own ids and has
/// no keys, while the registry needs a DID and a public key for every entity and a private key for every signer, so
/// the operator says it explicitly in a map file:
///
/// ```json
/// {
///   "agencies": {"5": {"did": "did:web:aneca.example", "key": "standing-keys/aneca.jwk"}},
///   "institutions": {
///     "DEQARINST0101": {"did": "did:web:uni.example.es", "publicKey": "uni.pub.jwk"},
///     "102": {"did": "did:key:zDnae..."}
///   }
/// }
/// ```
///
/// - Agencies are keyed by DEQAR's agency id. `key` is the agency's private JWK file (it signs the agency's
///   accreditations here; its public part registers the agency as a body).
/// - Institutions are keyed by DEQAR id (`DEQARINST0101`) or numeric id (`101`). `publicKey` is a public JWK file or an
///   inline JWK; it may be left out for a `did:key` (the DID is the key) or an institution the registry knows already.
///   An institution without an entry whose DEQAR record lists a DID among its `identifiers` (DEQAR's `DID-EBSI`
///   resource) uses that DID, with the same rule for the key.
/// - Paths are relative to the map file's folder.
///
/// Institutions and agencies without a DID are skipped and reported, never guessed.
public struct DEQARIdentifierMap: Sendable {
    /// An agency's DID and the file of the private key it signs with.
    public struct AgencyEntry: Sendable, Hashable {
        /// The agency's DID.
        public var did: String
        /// The private JWK file, resolved against the map's folder.
        public var keyFile: String

        /// Creates an entry.
        public init(did: String, keyFile: String) {
            self.did = did
            self.keyFile = keyFile
        }
    }

    /// An institution's DID and, when given, its public key.
    public struct InstitutionEntry: Sendable, Hashable {
        /// The institution's DID.
        public var did: String
        /// Its public key; nil for a did:key or a registered institution.
        public var publicKey: JWK?

        /// Creates an entry.
        public init(did: String, publicKey: JWK? = nil) {
            self.did = did
            self.publicKey = publicKey
        }
    }

    /// Agencies by DEQAR agency id.
    public var agencies: [String: AgencyEntry]
    /// Institutions by DEQAR id or numeric id.
    public var institutions: [String: InstitutionEntry]

    /// An empty map: no agency can be imported.
    public init(agencies: [String: AgencyEntry] = [:], institutions: [String: InstitutionEntry] = [:]) {
        self.agencies = agencies
        self.institutions = institutions
    }

    /// Reads a map file.
    /// - Throws: ``AuthoringError`` in one line naming the file and the entry at fault.
    public init(contentsOf path: String) throws {
        let data = try LocalFiles.contents(of: path)
        let folder = (path as NSString).deletingLastPathComponent
        func resolved(_ file: String) -> String {
            file.hasPrefix("/") || folder.isEmpty ? file : (folder as NSString).appendingPathComponent(file)
        }
        guard let document = try? JSONValue(parsing: data), document.objectValue != nil else {
            throw AuthoringError("\(path) is not a DEQAR identifier map: expected a JSON object with \"agencies\" and \"institutions\"")
        }
        var agencies = [String: AgencyEntry]()
        for (id, entry) in document["agencies"]?.objectValue ?? [:] {
            guard let did = entry["did"]?.stringValue, did.hasPrefix("did:"), let key = entry["key"]?.stringValue else {
                throw AuthoringError("\(path): agencies.\(id) needs \"did\" and \"key\" (the agency's private JWK file)")
            }
            agencies[id] = AgencyEntry(did: did, keyFile: resolved(key))
        }
        var institutions = [String: InstitutionEntry]()
        for (id, entry) in document["institutions"]?.objectValue ?? [:] {
            guard let did = entry["did"]?.stringValue, did.hasPrefix("did:") else {
                throw AuthoringError("\(path): institutions.\(id) needs a \"did\"")
            }
            var publicKey: JWK?
            switch entry["publicKey"] {
            case .string(let file)?:
                publicKey = try LocalFiles.publicJWK(resolved(file))
            case let inline? where inline.objectValue != nil:
                do {
                    let jwk = try inline.decode(JWK.self)
                    guard !jwk.isPrivate else { throw AuthoringError("\(path): institutions.\(id).publicKey holds a private key") }
                    publicKey = jwk
                } catch let error as AuthoringError {
                    throw error
                } catch {
                    throw AuthoringError("\(path): institutions.\(id).publicKey is not a JWK: \(error)")
                }
            case nil, .null?:
                publicKey = nil
            default:
                throw AuthoringError("\(path): institutions.\(id).publicKey must be a JWK file name or a JWK object")
            }
            institutions[id] = InstitutionEntry(did: did, publicKey: publicKey)
        }
        self.init(agencies: agencies, institutions: institutions)
    }

    /// The entry for a DEQAR institution: by its DEQAR id, else its numeric id.
    public func institution(_ institution: DEQARExport.Institution) -> InstitutionEntry? {
        institution.deqarId.flatMap { institutions[$0] } ?? institutions[institution.id]
    }
}
