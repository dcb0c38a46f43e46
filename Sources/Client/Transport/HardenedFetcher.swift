import Foundation
import StatusList
import Synchronization

/// A final (non-redirect) response and where it came from.
struct FetchedResponse: Sendable {
    /// 200...299 or 304.
    let status: Int
    /// The URL that answered, after redirects.
    let finalURL: URL
    let response: TransportResponse

    var body: Data { response.body }
    func header(_ name: String) -> String? { response.header(name) }
}

/// GETs with the client's hardening: every hop's URL is checked, redirects are followed by hand up to a limit and
/// without loops, one deadline covers the whole chain (connecting, headers and every body byte of every hop, enforced
/// here whatever the transport does), bodies are capped, and only identity content coding is accepted.
struct HardenedFetcher: Sendable {
    let transport: any StatusHTTPTransport
    let policy: URLPolicy
    let maximumRedirects: Int
    let timeout: Duration

    /// Fetches `url`, following redirects.
    /// - Parameters:
    ///   - url: A URL already checked with ``URLPolicy``.
    ///   - headers: Request headers, sent on every hop.
    ///   - maximumBodyBytes: The body cap.
    ///   - accepting: Error statuses returned as final responses instead of thrown (the registry's 410 Gone).
    ///   - contentCodings: Content codings (lowercase) the caller asked for in `Accept-Encoding` and decodes itself;
    ///     any other but identity is refused.
    /// - Returns: A 2xx or 304 response, or one with a status in `accepting`.
    /// - Throws: ``StatusClientError`` retrieval errors.
    func get(
        _ url: URL,
        headers: [(name: String, value: String)],
        maximumBodyBytes: Int,
        accepting: Set<Int> = [],
        contentCodings: Set<String> = []
    ) async throws(StatusClientError) -> FetchedResponse {
        let deadline = ContinuousClock.now + timeout
        var current = url
        var visited: Set<String> = [url.absoluteString]
        var redirects = 0
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw .retrieval(.timeout, "\(url.absoluteString) did not answer within the \(timeout) timeout")
            }
            let response = try await transport.send(
                TransportRequest(url: current, headers: headers, timeout: remaining, maximumBodyBytes: maximumBodyBytes),
                before: deadline,
                timeout: timeout
            )
            // A transport's own timer is best effort (on a busy machine the answer and the timer can fall due together):
            // an answer that completed after the deadline is still late.
            guard ContinuousClock.now <= deadline else {
                throw .retrieval(.timeout, "\(url.absoluteString) did not answer within the \(timeout) timeout")
            }
            switch response.status {
            case let status where accepting.contains(status):
                return FetchedResponse(status: status, finalURL: current, response: response)
            case 200..<300, 304:
                if let coding = response.header("Content-Encoding")?.trimmingCharacters(in: .whitespaces).lowercased(),
                    !coding.isEmpty, coding != "identity", !contentCodings.contains(coding)
                {
                    throw .retrieval(
                        .unsupportedContentEncoding,
                        "\(current.absoluteString) answered with Content-Encoding '\(coding)', which was not asked for"
                    )
                }
                return FetchedResponse(status: response.status, finalURL: current, response: response)
            case 301, 302, 303, 307, 308:
                guard let location = response.header("Location"), let next = URL(string: location, relativeTo: current)?.absoluteURL else {
                    throw .retrieval(.tooManyRedirects, "\(current.absoluteString) redirected (\(response.status)) without a usable Location")
                }
                redirects += 1
                guard redirects <= maximumRedirects else {
                    throw .retrieval(.tooManyRedirects, "more than \(maximumRedirects) redirects fetching \(url.absoluteString)")
                }
                try policy.check(next)
                guard visited.insert(next.absoluteString).inserted else {
                    throw .retrieval(.tooManyRedirects, "redirect loop at \(next.absoluteString)")
                }
                current = next
            default:
                throw .retrieval(.httpStatus, "\(current.absoluteString) answered \(response.status)\(Self.problemDetail(response))")
            }
        }
    }

    /// `: detail` from an RFC 9457 problem body, if there is one.
    private static func problemDetail(_ response: TransportResponse) -> String {
        guard response.body.count <= 64 * 1024, let detail = (try? JSONDecoder().decode(ProblemDetail.self, from: response.body))?.detail
        else { return "" }
        return ": " + String(detail.prefix(300))
    }

    /// The one member of a problem body read here: any server's, so every other member may be missing
    /// (RFC 9457 makes them all optional), unlike in Standing's own `Problem`.
    private struct ProblemDetail: Decodable {
        let detail: String
    }
}

extension StatusHTTPTransport {
    /// Sends a request that must complete (connection, headers and the whole body) by `deadline`.
    ///
    /// The deadline is enforced here rather than trusted to the transport: an HTTP client's own timeout may stop at
    /// the response head, and a server dripping its body a byte at a time would otherwise hold the caller
    /// indefinitely. At the deadline the exchange is cancelled and abandoned.
    /// - Parameters:
    ///   - request: The request.
    ///   - deadline: When the whole exchange must be over.
    ///   - timeout: The configured timeout, named in the error.
    /// - Throws: ``StatusClientError/Code/timeout`` (kind `STATUS_RETRIEVAL_ERROR`) at the deadline, or the transport's
    ///   own error.
    func send(
        _ request: TransportRequest,
        before deadline: ContinuousClock.Instant,
        timeout: Duration
    ) async throws(StatusClientError) -> TransportResponse {
        let race = DeadlineRace()
        let url = request.url.absoluteString
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.install(continuation)
                race.attach(
                    Task {
                        do throws(StatusClientError) {
                            race.finish(.success(try await self.send(request)))
                        } catch {
                            race.finish(.failure(error))
                        }
                    }
                )
                race.attach(
                    Task {
                        try? await Task.sleep(until: deadline, clock: .continuous)
                        race.finish(
                            .failure(.retrieval(.timeout, "\(url) did not answer (connection, headers and body) within the \(timeout) timeout"))
                        )
                    }
                )
            }
        } onCancel: {
            race.finish(.failure(.retrieval(.unreachable, "fetching \(url) was cancelled")))
        }
        return try outcome.get()
    }
}

/// The first outcome of an exchange racing its deadline, delivered once; the loser is cancelled.
private final class DeadlineRace: Sendable {
    typealias Outcome = Result<TransportResponse, StatusClientError>

    private struct State {
        var continuation: CheckedContinuation<Outcome, Never>?
        var outcome: Outcome?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Waits for the outcome (delivered at once if it is already known: cancellation can come first).
    func install(_ continuation: CheckedContinuation<Outcome, Never>) {
        let known: Outcome? = state.withLock { state in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let known { continuation.resume(returning: known) }
    }

    /// Keeps a task to cancel when the race is decided (cancelled at once if it already is).
    func attach(_ task: Task<Void, Never>) {
        let decided = state.withLock { state in
            if state.outcome != nil { return true }
            state.tasks.append(task)
            return false
        }
        if decided { task.cancel() }
    }

    /// Decides the race, if nobody has yet.
    func finish(_ outcome: Outcome) {
        let decided: (CheckedContinuation<Outcome, Never>?, [Task<Void, Never>])? = state.withLock { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer {
                state.continuation = nil
                state.tasks = []
            }
            return (state.continuation, state.tasks)
        }
        guard let (continuation, tasks) = decided else { return }
        continuation?.resume(returning: outcome)
        for task in tasks { task.cancel() }
    }
}
