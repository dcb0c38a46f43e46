import Foundation

/// The `Cache-Control` directives the client acts on.
struct CacheControl: Sendable, Equatable {
    /// `max-age` in seconds.
    var maxAge: Int?
    /// `no-store`: the response is not written to the disk cache.
    var noStore = false
    /// `no-cache`: treated as `max-age=0`.
    var noCache = false

    /// Parses a header value; unknown directives and malformed values are ignored (RFC 9111 §5.2).
    init(_ header: String?) {
        guard let header else { return }
        for directive in header.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first?.lowercased() else { continue }
            switch name {
            case "max-age":
                let value = parts.count == 2 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : ""
                if let seconds = Int(value), seconds >= 0 { maxAge = seconds }
            case "no-store": noStore = true
            case "no-cache": noCache = true
            default: continue
            }
        }
    }

    /// The freshness lifetime the headers give, if any.
    var lifetime: Int? { noCache ? 0 : maxAge }
}
