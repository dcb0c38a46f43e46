import Foundation
import HTTPTypes

/// The pages' security rules in one place: the headers every page carries, the cross-site request forgery check of
/// the form posts, and their size limit.
enum WebSecurity {
    /// Nothing but this service's own style sheet, images and form targets; no script at all (the pages need none),
    /// no framing (clickjacking), no plug-ins, no `<base>` rewriting.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// The largest form body `/check` reads (a credential pasted into the text area, URL-encoded, or uploaded as a file,
    /// multipart): larger posts are answered 413 with an HTML page, before the body is read when `Content-Length`
    /// announces it.
    static let maximumFormBytes = 256 << 10

    /// The headers of every page and of the style sheet.
    static func headers(contentType: String, cache: String) -> HTTPFields {
        var fields: HTTPFields = [
            .contentType: contentType,
            .cacheControl: cache,
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
        ]
        // Not no-referrer: with it, browsers send `Origin: null` on the pages' own form posts.
        fields[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        fields[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        fields[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=()"
        return fields
    }

    /// Whether a form post may be answered: refused when a browser says it comes from another site.
    ///
    /// The check is on the request's provenance (Fetch Metadata, then `Origin`), not a token. Every current browser
    /// sends `Sec-Fetch-Site`; when present it decides alone: `same-origin` or `none` (typed, bookmarked) pass, `same-site`
    /// and `cross-site` are refused. Without it, an `Origin` header (which browsers send on every cross-origin POST,
    /// and as `null` from sandboxed or privacy-hardened contexts) must be this service's: its base URL's origin, or the
    /// one of the `Host` the request came to. A request with neither header is not a browser's, so it carries no ambient
    /// cookie or credential a forgery could abuse, and scripts and tests may post without first fetching a token. The
    /// check needs no state and no token in the pages, which stay cacheable; `/check` changes nothing anyway, so a
    /// forged post could at most spend the service's time.
    /// - Returns: nil when allowed, else why not (for the error page).
    static func crossSiteRefusal(fields: HTTPFields, authority: String?, baseURL: String) -> String? {
        if let site = fields[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() {
            return ["same-origin", "none"].contains(site) ? nil : "Sec-Fetch-Site: \(site.prefix(40))"
        }
        guard let sent = fields[.origin] else { return nil }
        let host = authority?.lowercased()
        let allowed = [origin(of: baseURL), host.map { "http://\($0)" }, host.map { "https://\($0)" }]
        return allowed.contains(sent.lowercased()) ? nil : "Origin: \(sent.prefix(80))"
    }

    /// `scheme://host[:port]` of a URL, lower-cased, as browsers write `Origin`.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return nil }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")".lowercased()
    }

    /// An `application/x-www-form-urlencoded` body or query: names and values decoded (`+` is a space); later
    /// duplicates win; at most 32 fields.
    static func formFields(_ encoded: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in encoded.split(separator: "&").prefix(32) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A cookie's value from a `Cookie` header.
    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for item in header.split(separator: ";") {
            let parts = item.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// A DID (or any identifier) as one path segment: everything but unreserved characters and `:` percent-encoded.
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A query parameter value, percent-encoded.
    static func queryValue(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
