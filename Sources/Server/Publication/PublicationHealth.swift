import Foundation
import Metrics
import Synchronization

/// Whether publication keeps up with the changes the API has acknowledged, readable from any thread.
///
/// `/ready`, the refusal of writes while publication fails, and the metrics read it without waiting on the
/// ``Publisher`` actor, which updates it after every publication attempt.
///
/// Metrics (Prometheus names):
/// - `standing_publication_failures_total`: failed publication attempts, one per list and attempt.
/// - `standing_publication_failing`: 1 while publication is failing, else 0.
/// - `standing_lists_unpublished`: lists whose published version lags their acknowledged changes.
/// - `standing_oldest_unpublished_change_seconds`: age of the oldest acknowledged change not yet published (0 when
///   none): the lag between the newest acknowledged change and what this instance serves. With several instances on
///   one database it also counts changes this instance has read back that the list's lease holder has not published
///   yet, so an instance whose lists wait for a taken-over lease shows it.
///
/// The gauges are set when `/metrics` is scraped (``refreshGauges(now:)``), so the age is exact at every scrape and
/// no timer is needed to keep it moving while nothing else happens.
public final class PublicationHealth: Sendable {
    /// A publication failure in progress: at least one list's last attempt failed.
    public struct Failure: Sendable, Equatable {
        /// When the first attempt of this failure failed.
        public var since: Date
        /// Failed attempts (publication rounds) since `since`.
        public var consecutiveFailures: Int
        /// The lists whose last attempt failed, sorted.
        public var lists: [String]
        /// The error of the last failed attempt.
        public var lastError: String
        /// The delay before the next attempt.
        public var nextRetry: Duration
    }

    private struct State {
        var failure: Failure?
        var unpublishedLists = 0
        var oldestUnpublished: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let failures = Counter(label: "standing_publication_failures_total")
    private let failing = Gauge(label: "standing_publication_failing")
    private let unpublished = Gauge(label: "standing_lists_unpublished")
    private let oldestAge = Gauge(label: "standing_oldest_unpublished_change_seconds")

    /// Creates a healthy state.
    public init() {}

    /// The failure in progress, or nil while every publication attempt succeeds.
    public var failure: Failure? { state.withLock { $0.failure } }

    /// How many lists have acknowledged changes that are not published yet, and since when the oldest waits.
    public var backlog: (lists: Int, oldest: ContinuousClock.Instant?) {
        state.withLock { ($0.unpublishedLists, $0.oldestUnpublished) }
    }

    /// Why the service cannot publish, in one sentence for `/ready` and refused writes; nil while healthy.
    public func problem(now: ContinuousClock.Instant = .now) -> String? {
        let (failure, lists, oldest) = state.withLock { ($0.failure, $0.unpublishedLists, $0.oldestUnpublished) }
        guard let failure else { return nil }
        let waiting = oldest.map { " (the oldest for \(Self.seconds(now - $0)))" } ?? ""
        let since = failure.since.formatted(.iso8601)
        return "publication is failing: \(lists) list(s) have acknowledged changes that are not published yet\(waiting); "
            + "\(failure.consecutiveFailures) attempt(s) since \(since) failed, the last with: \(failure.lastError); "
            + "failing lists: \(failure.lists.prefix(10).joined(separator: ", "))\(failure.lists.count > 10 ? ", ..." : ""); "
            + "next retry in \(Self.seconds(failure.nextRetry))"
    }

    /// Records a failed publication attempt of `lists`.
    /// - Returns: The delay before the next attempt: `initialDelay`, doubled per consecutive failure, at most `maximumDelay`.
    func recordFailure(lists: [String], error: String, initialDelay: Duration, maximumDelay: Duration, at now: Date = Date()) -> Duration {
        failures.increment(by: Int64(lists.count))
        return state.withLock { state in
            var failure = state.failure ?? Failure(since: now, consecutiveFailures: 0, lists: [], lastError: "", nextRetry: .zero)
            failure.consecutiveFailures += 1
            failure.lists = lists.sorted()
            failure.lastError = error
            let doublings = min(failure.consecutiveFailures - 1, 30)
            failure.nextRetry = min(initialDelay * (1 << doublings), maximumDelay)
            state.failure = failure
            return failure.nextRetry
        }
    }

    /// Clears the failure once no list's last attempt failed.
    /// - Returns: The failure that ended, for the recovery log line; nil when there was none.
    func recordRecovery() -> Failure? {
        state.withLock { state in
            defer { state.failure = nil }
            return state.failure
        }
    }

    /// Sets how many lists wait for publication and since when the oldest change waits.
    func setBacklog(lists: Int, oldest: ContinuousClock.Instant?) {
        state.withLock {
            $0.unpublishedLists = lists
            $0.oldestUnpublished = oldest
        }
    }

    /// Counts a list that has just got its first unpublished change.
    func addUnpublished(since: ContinuousClock.Instant) {
        state.withLock {
            $0.unpublishedLists += 1
            if $0.oldestUnpublished == nil { $0.oldestUnpublished = since }
        }
    }

    /// Sets the gauges from the current state; called before every scrape.
    public func refreshGauges(now: ContinuousClock.Instant = .now) {
        let (failure, lists, oldest) = state.withLock { ($0.failure, $0.unpublishedLists, $0.oldestUnpublished) }
        failing.record(failure == nil ? 0 : 1)
        unpublished.record(lists)
        oldestAge.record(oldest.map { Double((now - $0).nanoseconds) / 1e9 } ?? 0)
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.nanoseconds) / 1e9)
    }
}
