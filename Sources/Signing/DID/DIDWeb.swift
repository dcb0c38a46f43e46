import Foundation

/// The `did:web` method (W3C CCG did:web): a DID that names an HTTPS location of its DID document.
///
/// Only the pure parts live here: DID ↔ URL conversion and document construction. Fetching is the caller's job.
public enum DIDWeb {
    /// The DID method prefix, `did:web:`.
    public static let prefix = "did:web:"

    /// Builds the `did:web` DID for a base URL.
    ///
    /// `https://example.com` becomes `did:web:example.com`, `https://example.com:8443/issuers/1` becomes
    /// `did:web:example.com%3A8443:issuers:1`. The host is lowercased; path segments are re-encoded so that only
    /// `A-Z a-z 0-9 . - _` appear literally.
    /// - Parameter baseURL: An `https` (or, for development, `http`) URL without user, query or fragment.
    /// - Returns: The DID.
    /// - Throws: ``SigningError/Code/malformed`` when the URL cannot name a `did:web`.
    public static func did(forBaseURL baseURL: URL) throws(SigningError) -> String {
        guard let components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw SigningError(.malformed, "\(baseURL) is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw SigningError(.malformed, "did:web needs an https URL, not \(baseURL)")
        }
        guard components.user == nil, components.password == nil, components.query == nil, components.fragment == nil
        else {
            throw SigningError(.malformed, "did:web base URL must not carry user info, a query or a fragment")
        }
        guard let host = components.percentEncodedHost?.lowercased(), !host.isEmpty,
            host.allSatisfy({ isIDChar($0) && $0 != "_" })
        else {
            throw SigningError(.malformed, "did:web base URL needs an ASCII host name")
        }
        var did = prefix + host
        if let port = components.port {
            did += "%3A\(port)"
        }
        for segment in components.percentEncodedPath.split(separator: "/") {
            guard let decoded = segment.removingPercentEncoding, !decoded.isEmpty else {
                throw SigningError(.malformed, "did:web base URL has an invalid path segment")
            }
            did += ":" + percentEncodeIDChars(decoded)
        }
        return did
    }

    /// The URL of the DID document a `did:web` DID names: `https://host/.well-known/did.json` without a path,
    /// `https://host/a/b/did.json` for `did:web:host:a:b`.
    /// - Parameter did: A `did:web` DID (a DID URL's fragment is ignored).
    /// - Returns: The HTTPS URL to fetch.
    /// - Throws: ``SigningError/Code/malformed`` when `did` is not a well-formed `did:web`.
    public static func documentURL(for did: String) throws(SigningError) -> URL {
        let bareDID = did.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard bareDID.hasPrefix(prefix) else { throw SigningError(.malformed, "\"\(did.prefix(64))\" is not a did:web") }
        let segments = bareDID.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard let hostSegment = segments.first, !hostSegment.isEmpty else {
            throw SigningError(.malformed, "did:web has no host")
        }
        for segment in segments {
            guard !segment.isEmpty, segment.allSatisfy({ isIDChar($0) || $0 == "%" }),
                let decoded = segment.removingPercentEncoding, !decoded.contains("/")
            else {
                throw SigningError(.malformed, "did:web has an empty or invalid segment")
            }
        }
        let host = hostSegment.replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%3a", with: ":")
        guard host.allSatisfy({ isIDChar($0) || $0 == ":" }) else {
            throw SigningError(.malformed, "did:web host is not a host name with an optional port")
        }
        let path = segments.count > 1 ? "/" + segments.dropFirst().joined(separator: "/") : "/.well-known"
        guard let url = URL(string: "https://\(host)\(path)/did.json") else {
            throw SigningError(.malformed, "did:web does not map to a valid URL")
        }
        return url
    }

    /// Builds a DID document for `did` listing `keys` as `JsonWebKey` verification methods whose fragments equal
    /// their `kid` (the RFC 7638 thumbprint for keys without one); every key is an `assertionMethod` and an
    /// `authentication` method. ``DIDDocument/jwks`` of the result carries the same keys with the same `kid`s.
    /// - Parameters:
    ///   - did: The DID, e.g. from ``did(forBaseURL:)``.
    ///   - keys: The public keys (private parts are dropped).
    /// - Returns: The document.
    /// - Throws: The errors of ``DIDDocument/init(id:keys:)``.
    public static func document(did: String, keys: [JWK]) throws(SigningError) -> DIDDocument {
        try DIDDocument(id: did, keys: keys)
    }

    /// True for the DID syntax `idchar` characters other than percent-escapes: `A-Z a-z 0-9 . - _`.
    static func isIDChar(_ character: Character) -> Bool {
        guard character.isASCII, let ascii = character.asciiValue else { return false }
        switch ascii {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static func percentEncodeIDChars(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, isIDChar(character) {
                encoded.append(character)
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
