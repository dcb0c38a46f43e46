import Foundation

/// An RFC 9457 problem: the `application/problem+json` body of every error answer.
///
/// The server encodes it (its `ProblemDetails` maps errors to it in one place); the admin client decodes it and
/// carries it in `StandingAdminError`.
public struct Problem: Codable, Sendable, Equatable {
    /// A URI identifying the problem type (`urn:standing:problem:…`, or the W3C status error URIs).
    public var type: String
    /// A short, human-readable summary of the problem type.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What exactly was wrong with this request.
    public var detail: String?

    /// Creates a problem.
    public init(type: String, title: String, status: Int, detail: String?) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }
}
