import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import StandingAPI

/// Why a call to a Standing server failed, in the user's words: the one place the admin client (and so the CLI)
/// turns what can go wrong on the way into one line.
public struct StandingAdminError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it was.
    public enum Kind: Sendable, Equatable {
        /// The server URL is not an http(s) URL with a host.
        case invalidServerURL
        /// No answer: nothing listening, a name that does not resolve, a timeout, a closed connection.
        case unreachable
        /// The server answered with an error status (its problem details, when it sent them, are in ``problem``).
        case refused
        /// A 2xx answer that is not what the endpoint's wire type says.
        case malformedAnswer
    }

    public let kind: Kind
    /// The HTTP status of a ``Kind/refused`` answer.
    public let status: Int?
    /// The RFC 9457 problem the server sent with a ``Kind/refused`` answer.
    public let problem: Problem?
    /// One line for the user: what went wrong and, where there is one, what to do.
    public let description: String

    init(_ kind: Kind, _ description: String, status: Int? = nil, problem: Problem? = nil) {
        self.kind = kind
        self.description = description
        self.status = status
        self.problem = problem
    }

    /// A non-2xx answer: `STATUS TITLE: DETAIL` from its problem details, or the status and its reason phrase.
    static func refused(status: Int, reasonPhrase: String, body: Data) -> StandingAdminError {
        let problem = try? JSONDecoder().decode(Problem.self, from: body)
        let title = problem?.title ?? reasonPhrase
        let text = problem?.detail.map { "\(status) \(title): \($0)" } ?? "\(status) \(title)"
        return StandingAdminError(.refused, text, status: status, problem: problem)
    }

    /// What a failure to reach `server` means for the user, and what to try.
    static func unreachable(_ server: String, _ error: any Error) -> StandingAdminError {
        let errnoCode: Int32? =
            (error as? IOError)?.errnoCode
            ?? (error as? NIOConnectionError)?.connectionErrors.lazy.compactMap { ($0.error as? IOError)?.errnoCode }.first
        let text: String
        if errnoCode == ECONNREFUSED {
            text =
                "cannot reach a Standing server at \(server): nothing is listening there; start one with `standing serve`, "
                + "or point --server / STANDING_SERVER at yours"
        } else if let connection = error as? NIOConnectionError, connection.dnsAError != nil || connection.dnsAAAAError != nil {
            text = "cannot reach \(server): its host name does not resolve; check --server / STANDING_SERVER"
        } else if let client = error as? HTTPClientError, [.connectTimeout, .deadlineExceeded, .readTimeout].contains(client) {
            text = "cannot reach \(server): no answer in time; check that the server runs and the address is right"
        } else if let client = error as? HTTPClientError, client == .remoteConnectionClosed {
            text = "cannot reach \(server): the connection was closed before an answer; is it a Standing server (http, not https)?"
        } else {
            text = "cannot reach \(server): \(error)"
        }
        return StandingAdminError(.unreachable, text)
    }
}
