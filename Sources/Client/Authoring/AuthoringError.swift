/// Why a registry authoring step (reading a key file, building, signing or choosing what to submit) failed: one line
/// in the user's words. Refusals by the server are ``StandingAdminError``s.
public struct AuthoringError: Error, CustomStringConvertible, Sendable {
    public let description: String

    /// Creates an error with its one-line description.
    public init(_ description: String) { self.description = description }
}
