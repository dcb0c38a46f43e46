import Foundation

/// How long one timed batch should take: long enough to dwarf clock overhead, short enough that a burst of
/// activity from another process spoils only a few batches.
public let targetBatch = Duration.milliseconds(10)

/// The result of timing a candidate against its baseline in alternating rounds.
public struct Comparison: Sendable {
    /// Median nanoseconds per operation of the candidate.
    public var candidateNanoseconds: Double
    /// Median nanoseconds per operation of the baseline.
    public var baselineNanoseconds: Double
    /// Median of the per-round ratios candidate / baseline.
    public var ratio: Double
    /// Interquartile range of the per-round ratios.
    public var ratioP25: Double
    public var ratioP75: Double
    /// Number of A/B rounds.
    public var rounds: Int
    /// Operations per timed batch.
    public var candidateBatch: Int
    public var baselineBatch: Int
}

/// Percentile by linear interpolation between order statistics.
public func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard sorted.count > 1 else { return sorted.first ?? .nan }
    let position = fraction * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
}

public func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

/// Times `iterations` calls of `body` and returns nanoseconds per call.
@inline(never)
public func timeBatch(_ iterations: Int, _ body: () throws -> Int) rethrows -> Double {
    let clock = ContinuousClock()
    var sink = 0
    let start = clock.now
    for _ in 0..<iterations { sink &+= try body() }
    let elapsed = clock.now - start
    consume(sink)
    return nanoseconds(elapsed) / Double(iterations)
}

/// How many calls make a batch of about ``targetBatch``.
public func batchSize(_ body: () throws -> Int) rethrows -> Int {
    // Two warm-up calls (first-touch page faults, lazy zlib tables), then one timed call.
    _ = try timeBatch(2, body)
    let single = try timeBatch(1, body)
    return max(1, Int(nanoseconds(targetBatch) / max(single, 1)))
}

/// Runs candidate and baseline in alternating rounds (AB, BA, AB, ...) so that drift and interference from other
/// processes hit both alike, and summarises with medians.
/// - Parameters:
///   - rounds: The number of rounds; lowered automatically when a single call is very slow.
///   - candidate: The operation measured; returns something derived from its result.
///   - baseline: The reference operation.
public func compare(rounds requestedRounds: Int, candidate: () throws -> Int, baseline: () throws -> Int) rethrows -> Comparison {
    let candidateBatch = try batchSize(candidate)
    let baselineBatch = try batchSize(baseline)
    // Keep very slow pairs (one call over ~50 ms) to a few seconds in total.
    let rounds = candidateBatch == 1 && baselineBatch == 1 ? min(requestedRounds, 9) : requestedRounds
    var candidateTimes: [Double] = []
    var baselineTimes: [Double] = []
    var ratios: [Double] = []
    for round in 0..<rounds {
        let a: Double
        let b: Double
        if round % 2 == 0 {
            a = try timeBatch(candidateBatch, candidate)
            b = try timeBatch(baselineBatch, baseline)
        } else {
            b = try timeBatch(baselineBatch, baseline)
            a = try timeBatch(candidateBatch, candidate)
        }
        candidateTimes.append(a)
        baselineTimes.append(b)
        ratios.append(a / b)
    }
    return Comparison(
        candidateNanoseconds: percentile(candidateTimes, 0.5),
        baselineNanoseconds: percentile(baselineTimes, 0.5),
        ratio: percentile(ratios, 0.5),
        ratioP25: percentile(ratios, 0.25),
        ratioP75: percentile(ratios, 0.75),
        rounds: rounds,
        candidateBatch: candidateBatch,
        baselineBatch: baselineBatch
    )
}
