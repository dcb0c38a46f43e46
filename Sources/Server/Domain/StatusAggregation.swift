import Foundation

/// Where the Status List Aggregations (draft-ietf-oauth-status-list §9) are published: one listing every list the
/// service serves, and one per issuer (a list's owner) listing that issuer's lists, which is what each list's
/// `aggregation_uri` names ("a URI to retrieve the Status List Aggregation for this type of Referenced Token or
/// Issuer", §4.2).
///
/// The paths sit beside the lists under `/status/`; `aggregation` is therefore not accepted as a list id.
public struct StatusAggregation: Sendable {
    /// The path segment after `/status/`.
    public static let segment = "aggregation"

    /// The service's public base URL, without a trailing slash.
    public let baseURL: String

    /// Creates the URL scheme for `baseURL`.
    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// `{base}/status/{id}`: a list's URL, its tokens' `sub`, as the aggregations name it.
    public func listURL(_ id: String) -> String { "\(baseURL)/status/\(id)" }

    /// `{base}/status/aggregation`: every list the service serves.
    public var allURL: String { "\(baseURL)/status/\(Self.segment)" }

    /// `{base}/status/aggregation/{owner}`, the owner percent-encoded as one path segment.
    public func url(owner: String) -> String {
        "\(allURL)/\(Self.encodeSegment(owner))"
    }

    /// Percent-encodes `text` as one path segment: RFC 3986 `pchar` minus `%` and the sub-delimiters a server might
    /// read specially, so `did:web:uni.example.es` stays readable and `did:web:host%3A8443` round-trips.
    public static func encodeSegment(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:@")
        allowed.remove(charactersIn: "%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
