import Foundation

/// The content coding of a response chosen from `Accept-Encoding` (RFC 9110 §12.5.3), between the two a pre-built
/// artefact is held in: `gzip` and `identity`.
enum AcceptEncoding {
    /// Whether `gzip` is to be sent: listed (or `x-gzip`, or `*` while `gzip` is not listed) with a quality above 0,
    /// and not below the quality `identity` is explicitly given. An absent or empty header, `gzip;q=0`, or a list
    /// without gzip gets identity; so does a header that refuses both (RFC 9110: then send no content coding).
    /// - Parameter header: The request's `Accept-Encoding` values joined with commas, nil when absent.
    static func prefersGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var gzip: Double?
        var wildcard: Double?
        var identity: Double?
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let first = parts.first else { continue }
            let coding = first.trimmingCharacters(in: .whitespaces).lowercased()
            if coding.isEmpty { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "q" else { continue }
                // A malformed weight makes the element unusable rather than preferred.
                guard let value = Double(pair[1]), value.isFinite, (0...1).contains(value) else {
                    quality = 0
                    break
                }
                quality = value
            }
            switch coding {
            case "gzip", "x-gzip": gzip = max(gzip ?? 0, quality)
            case "*": wildcard = quality
            case "identity": identity = quality
            default: continue
            }
        }
        let gzipQuality = gzip ?? wildcard ?? 0
        guard gzipQuality > 0 else { return false }
        return gzipQuality >= (identity ?? 0)
    }
}
