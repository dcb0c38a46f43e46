import Foundation
import StatusList
import StatusListSecuring

/// What ``StandingClient/prefetchAggregation(url:trust:preferring:maximumLists:)`` fetched.
public struct AggregationPrefetch: Sendable {
    /// One listed Status List Token that could not be fetched or verified.
    public struct Failure: Sendable {
        /// The URI as the aggregation listed it.
        public let url: String
        /// Why.
        public let error: StatusClientError
    }

    /// The aggregation's URL.
    public let aggregationURL: String
    /// The URIs the aggregation listed (`status_lists`), in its order.
    public let listed: [String]
    /// The lists fetched, verified and cached, in the aggregation's order.
    public let lists: [CachedList]
    /// The listed tokens that failed; the others were still fetched (draft-ietf-oauth-status-list §9: a Relying Party
    /// "SHOULD continue processing the other Status List Tokens").
    public let failures: [Failure]
}

extension StandingClient {
    /// The most URIs one aggregation may list before it is refused, so a hostile document cannot send the client on
    /// an unbounded round of fetches.
    public static let defaultMaximumAggregatedLists = 1_000

    /// Fetches a Status List Aggregation (draft-ietf-oauth-status-list §9, `{"status_lists": [...]}`) and every list it
    /// names, verified with `trust` and cached like any checked list (in memory, and on disk with a
    /// ``Configuration/cacheDirectory``), so that an offline wallet's later checks (``CachePolicy/offline``) answer
    /// from them.
    ///
    /// - Parameters:
    ///   - url: The aggregation URL: an issuer's `status_list_aggregation_endpoint`, or a token's
    ///     `status_list.aggregation_uri`.
    ///   - trust: The keys the lists must be signed with.
    ///   - format: The form to fetch and cache each list in (IETF JWT by default; a W3C form for W3C credentials).
    ///   - maximumLists: The most URIs accepted in the aggregation.
    /// - Returns: The cached lists, and the listed tokens that failed.
    /// - Throws: ``StatusClientError`` when the aggregation itself cannot be fetched or is malformed (kind
    ///   `STATUS_RETRIEVAL_ERROR` / `MALFORMED_VALUE_ERROR`); a listed list that fails is reported in
    ///   ``AggregationPrefetch/failures`` instead.
    public func prefetchAggregation(
        url: String,
        trust: TrustSource,
        preferring format: VerifiedStatusList.Format = .ietfJWT,
        maximumLists: Int = StandingClient.defaultMaximumAggregatedLists
    ) async throws(StatusClientError) -> AggregationPrefetch {
        let listed = try await fetchAggregation(url: url, maximumLists: maximumLists)
        var lists: [CachedList] = []
        var failures: [AggregationPrefetch.Failure] = []
        for listURL in listed {
            do {
                lists.append(try await fetchList(url: listURL, preferring: format, trust: trust, options: FetchOptions(policy: .revalidate)))
            } catch {
                failures.append(AggregationPrefetch.Failure(url: listURL, error: error))
            }
        }
        return AggregationPrefetch(aggregationURL: url, listed: listed, lists: lists, failures: failures)
    }

    /// ``prefetchAggregation(url:trust:preferring:maximumLists:)`` for one issuer's lists on a Standing server:
    /// `{server}/status/aggregation/{issuer}`, the URL its tokens carry as `aggregation_uri`.
    /// - Parameters:
    ///   - issuer: The issuer (list owner) identifier, e.g. its DID.
    ///   - server: The Standing server's base URL, e.g. `https://status.example.org`.
    public func prefetchLists(
        ofIssuer issuer: String,
        server: String,
        trust: TrustSource,
        preferring format: VerifiedStatusList.Format = .ietfJWT
    ) async throws(StatusClientError) -> AggregationPrefetch {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        return try await prefetchAggregation(
            url: "\(base)/status/aggregation/\(Self.aggregationPathSegment(issuer))", trust: trust, preferring: format)
    }

    /// Percent-encodes an issuer identifier as one path segment the way the server names it in `aggregation_uri`
    /// (unreserved characters, `:` and `@` kept; `%` itself encoded).
    static func aggregationPathSegment(_ issuer: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:@")
        return issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer
    }

    /// Fetches and reads an aggregation document: a JSON object whose `status_lists` is an array of strings (§9.3).
    private func fetchAggregation(url: String, maximumLists: Int) async throws(StatusClientError) -> [String] {
        let policy = URLPolicy(allowsLoopbackHTTP: configuration.allowsLoopbackHTTP)
        let parsed = try policy.parse(url)
        let fetcher = HardenedFetcher(
            transport: configuration.transport, policy: policy, maximumRedirects: max(0, configuration.maximumRedirects),
            timeout: configuration.timeout)
        let response = try await fetcher.get(
            parsed, headers: [(name: "Accept", value: "application/json")], maximumBodyBytes: configuration.maximumResponseBytes)
        guard response.status == 200 else {
            throw .retrieval(.httpStatus, "\(url) answered \(response.status) to an unconditional request")
        }
        let document: StatusListAggregationDocument
        do {
            document = try JSONDecoder().decode(StatusListAggregationDocument.self, from: response.body)
        } catch {
            throw StatusClientError(
                .malformed, kind: .malformedValueError, "\(url) is not a Status List Aggregation ({\"status_lists\": [URIs]}): \(error)")
        }
        guard document.status_lists.count <= maximumLists else {
            throw StatusClientError(
                .malformed, kind: .malformedValueError,
                "\(url) lists \(document.status_lists.count) status lists, more than the \(maximumLists) accepted")
        }
        return document.status_lists
    }
}

/// The Status List Aggregation Data Structure (draft-ietf-oauth-status-list §9.3).
private struct StatusListAggregationDocument: Decodable {
    let status_lists: [String]
}
