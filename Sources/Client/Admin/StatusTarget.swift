import Foundation
import StandingAPI
import StatusList

/// The status entry a revoke, suspend or reinstate acts on: a list and an index, given as such or read from the
/// credential that carries it.
public struct StatusTarget: Sendable, Equatable {
    /// The list's id.
    public var list: String
    public var index: Int

    /// Creates a target; `list` may be the list's id or its URL (`…/status/ID`).
    public init(list: String, index: Int) {
        self.list = Self.listId(from: list)
        self.index = index
    }

    /// A list given as its id or its URL (`…/status/ID`): the id.
    public static func listId(from argument: String) -> String {
        if let range = argument.range(of: "/status/") {
            return String(argument[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "." })
        }
        return argument
    }

    /// The credential's one status entry for `purpose`: a W3C entry of that purpose (or a message entry), or an IETF
    /// `status` claim, which serves any purpose its list can express (the server checks the value).
    /// - Parameters:
    ///   - credential: The credential's bytes.
    ///   - name: The credential's name (its file), for errors.
    /// - Throws: ``AuthoringError`` when the credential does not parse, has no such entry, or has several.
    public init(credential: Data, name: String, purpose: StatusPurpose) throws {
        let parsed: ParsedCredential
        do {
            parsed = try ParsedCredential(parsing: credential)
        } catch {
            throw AuthoringError("\(name) is not a credential Standing reads: \(error)")
        }
        var candidates: [StatusTarget] = []
        for reference in parsed.statusReferences {
            switch reference {
            case .w3c(let entry) where entry.statusPurpose == purpose || entry.statusPurpose == .message:
                candidates.append(StatusTarget(list: entry.statusListCredential, index: entry.statusListIndex))
            case .ietf(let reference):
                candidates.append(StatusTarget(list: reference.uri, index: reference.idx))
            default:
                continue
            }
        }
        guard let first = candidates.first else {
            throw AuthoringError("\(name) has no \(purpose.rawValue) status entry (nor an IETF status claim)")
        }
        guard candidates.count == 1 else {
            let listed = candidates.map { "\($0.list) \($0.index)" }.joined(separator: ", ")
            throw AuthoringError("\(name) has \(candidates.count) status entries that fit (\(listed)): give LIST INDEX")
        }
        self = first
    }
}

extension StandingAdminClient {
    /// How a status change went, once the server had it.
    public enum StatusOutcome: Sendable, Equatable {
        /// Recorded and published: verifiers see it from `version` on.
        case published(StatusChanged, version: Int)
        /// The entry had the value already; nothing was recorded.
        case unchanged(StatusChanged)
        /// Recorded (durable), but not republished within the wait: verifiers still see the old status.
        case notPublished(StatusChanged)
    }

    /// Sets one entry (an explicit value, or an intent the server resolves with the list's rules) and waits until a
    /// publication carries the change, so that the next step (a verification, say) sees it.
    /// - Parameter wait: How long to wait for the publication.
    public func setStatusAndAwaitPublication(_ target: StatusTarget, _ request: SetStatusRequest, wait: Duration = .seconds(10))
        async throws -> StatusOutcome
    {
        var request = request
        request.index = target.index
        let answer = try await setStatus(list: target.list, request)
        guard answer.applied > 0 else { return .unchanged(answer) }
        // The change is durable now; verifiers see it once the list is republished (within the publication window),
        // in the first version after the one published when the server received it.
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            if let version = try await list(target.list).publishedVersion, version > answer.publishedVersionBefore ?? 0 {
                return .published(answer, version: version)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return .notPublished(answer)
    }
}
