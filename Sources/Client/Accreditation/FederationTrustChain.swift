import Foundation
import Signing
import StatusList
import TrustRegistry

/// A verified OpenID Federation trust chain from an issuer up to a Trust Anchor, with the issuer's metadata and the
/// Trust Marks it holds (``FederationResolver``).
public struct FederationTrustChain: Sendable {
    /// A verified Trust Mark.
    public struct TrustMark: Sendable, Hashable {
        /// The Trust Mark type identifier.
        public let type: String
        /// The Trust Mark JWT as served.
        public let compact: String
        /// Its `exp`, if any.
        public let expiresAt: Date?
        /// Its claims (for a Standing registry: `accreditation_id`, `accredited_by`, `scope`, `ref`).
        public let claims: JSONValue
    }

    /// The Trust Anchor's Entity Identifier.
    public let trustAnchor: String
    /// The subject's Entity Identifier (a DID for a Standing registry's bodies and issuers).
    public let subject: String
    /// The chain as OpenID Federation orders it: the Subordinate Statement about the subject, then the Trust Anchor's
    /// Entity Configuration. A subject named by a DID publishes no Entity Configuration of its own, so the chain
    /// starts at the statement about it (the DCC member registry's convention).
    public let statements: [String]
    /// The subject's federation keys, as the Trust Anchor states them (for a Standing registry, its registered keys).
    public let subjectKeys: JWKSet
    /// The subject's metadata, as the Trust Anchor states it (`federation_entity` with `organization_name`, ...).
    public let metadata: JSONValue
    /// The Trust Marks the subject holds, each verified with the Trust Anchor's keys and issued by an issuer the Trust
    /// Anchor's `trust_mark_issuers` names for its type.
    public let trustMarks: [TrustMark]
    /// When the chain stops being valid: the smallest `exp` of its statements.
    public let expiresAt: Date

    /// The subject's `organization_name`, if stated.
    public var organizationName: String? { metadata["federation_entity"]?["organization_name"]?.stringValue }
}

/// Resolves OpenID Federation trust chains from a Trust Anchor such as a Standing registry (`/.well-known/openid-federation`).
///
/// ``resolve(subject:trustAnchor:trustAnchorKeys:trustMarkTypes:)``:
/// 1. fetches the Trust Anchor's Entity Configuration and verifies it: `typ` `entity-statement+jwt`, `iss` = `sub` =
///    the Trust Anchor, signed with a key of its `jwks` (or of the pinned keys, which the configuration's `jwks` must
///    then contain), `iat` not in the future and `exp` not passed (60 s leeway);
/// 2. fetches the Subordinate Statement about the subject from the `federation_fetch_endpoint` it advertises and
///    verifies it with the Trust Anchor's keys (`iss` the Trust Anchor, `sub` the subject, same time checks);
/// 3. fetches the subject's Trust Marks from `federation_trust_mark_endpoint`, for the types asked or else every type
///    the Trust Anchor lists in `trust_mark_issuers`, and keeps those that verify (`typ` `trust-mark+jwt`, issuer
///    trusted for the type, `sub` the subject, `exp` not passed). A type the subject does not hold (404) is left out.
///
/// ```swift
/// let resolver = FederationResolver()
/// let chain = try await resolver.resolve(subject: "did:web:uni.example.es",
///                                        trustAnchor: URL(string: "https://registry.example.eu")!)
/// print(chain.organizationName ?? "-", chain.trustMarks.map(\.type))
/// ```
public struct FederationResolver: Sendable {
    /// How the federation endpoints are fetched.
    public var fetching: FetchSettings
    /// The clock.
    public var now: @Sendable () -> Date
    /// Allowed clock skew for `iat` and `exp`.
    public var leeway: TimeInterval = 60

    /// Creates a resolver.
    /// - Parameters:
    ///   - fetching: Fetch settings (entity statements are small: 1 MiB cap by default).
    ///   - now: The clock.
    public init(fetching: FetchSettings = FetchSettings(maximumResponseBytes: 1 << 20), now: @escaping @Sendable () -> Date = { Date() }) {
        self.fetching = fetching
        self.now = now
    }

    /// Resolves and verifies the chain from `subject` to `trustAnchor`.
    /// - Parameters:
    ///   - subject: The subject's Entity Identifier (an issuer's DID).
    ///   - trustAnchor: The Trust Anchor's Entity Identifier (an https URL, or loopback http when allowed).
    ///   - trustAnchorKeys: The Trust Anchor's keys, when configured out of band; `nil` trusts the keys its Entity
    ///     Configuration states (over the TLS connection).
    ///   - trustMarkTypes: The Trust Mark types to fetch; `nil` for every type in `trust_mark_issuers`.
    /// - Returns: The verified chain.
    /// - Throws: ``StatusClientError``: retrieval errors; `httpStatus` when the Trust Anchor has no statement about
    ///   the subject; `verificationFailed` for a statement that does not verify; `expired` for one past its `exp`.
    public func resolve(
        subject: String, trustAnchor: URL, trustAnchorKeys: JWKSet? = nil, trustMarkTypes: [String]? = nil
    ) async throws(StatusClientError) -> FederationTrustChain {
        let fetcher = HardenedFetcher(fetching)
        var anchorID = trustAnchor.absoluteString
        while anchorID.hasSuffix("/") { anchorID.removeLast() }
        let time = now()

        // 1. The Trust Anchor's Entity Configuration.
        let configurationURL = try url(anchorID + "/.well-known/openid-federation")
        let configurationJWT = try await get(fetcher, configurationURL, what: "Entity Configuration")
        let statedKeys: JWKSet
        do {
            statedKeys = try CompactJWS(parsing: configurationJWT).payloadJSON()["jwks"]?.decode(JWKSet.self) ?? JWKSet(keys: [])
        } catch {
            throw StatusClientError(.malformed, kind: .malformedValueError, "the Trust Anchor's Entity Configuration has no valid jwks")
        }
        if let trustAnchorKeys {
            guard trustAnchorKeys.keys.allSatisfy({ pinned in statedKeys.keys.contains(pinned) }) else {
                throw .verification(.verificationFailed, "the Trust Anchor's Entity Configuration does not state the pinned keys")
            }
        }
        let configuration = try verify(
            configurationJWT, type: FederationMediaType.entityStatement, keys: trustAnchorKeys ?? statedKeys, what: "Entity Configuration")
        try check(configuration, issuer: anchorID, subject: anchorID, at: time, what: "Entity Configuration")
        let federationEntity = configuration["metadata"]?["federation_entity"]

        // 2. The Subordinate Statement about the subject.
        guard let fetchEndpoint = federationEntity?["federation_fetch_endpoint"]?.stringValue else {
            throw StatusClientError(.malformed, kind: .malformedValueError, "the Trust Anchor advertises no federation_fetch_endpoint")
        }
        let statementJWT = try await get(fetcher, try url(fetchEndpoint, query: [("sub", subject)]), what: "Subordinate Statement")
        let statement = try verify(statementJWT, type: FederationMediaType.entityStatement, keys: statedKeys, what: "Subordinate Statement")
        try check(statement, issuer: anchorID, subject: subject, at: time, what: "Subordinate Statement")
        let subjectKeys: JWKSet
        do {
            guard let jwks = statement["jwks"] else { throw SigningError(.malformed, "no jwks") }
            subjectKeys = try jwks.decode(JWKSet.self)
        } catch {
            throw StatusClientError(.malformed, kind: .malformedValueError, "the Subordinate Statement about \(subject) has no valid jwks")
        }

        // 3. The Trust Marks.
        let issuers = configuration["trust_mark_issuers"]?.objectValue ?? [:]
        var marks: [FederationTrustChain.TrustMark] = []
        if let markEndpoint = federationEntity?["federation_trust_mark_endpoint"]?.stringValue {
            for type in trustMarkTypes ?? issuers.keys.sorted() {
                guard let trusted = issuers[type]?.arrayValue?.compactMap(\.stringValue), trusted.contains(anchorID) || trusted.isEmpty else { continue }
                let markURL = try url(markEndpoint, query: [("trust_mark_type", type), ("sub", subject)])
                guard let markJWT = try await fetchOptional(fetcher, markURL, what: "Trust Mark", absentOn404: true) else { continue }
                let claims = try verify(markJWT, type: FederationMediaType.trustMark, keys: statedKeys, what: "Trust Mark")
                guard claims["iss"]?.stringValue == anchorID, claims["sub"]?.stringValue == subject,
                    claims["trust_mark_type"]?.stringValue == type
                else {
                    throw .verification(.subjectMismatch, "the Trust Mark of type \(type) is not the Trust Anchor's about \(subject)")
                }
                let expiry = claims["exp"]?.numberValue.map { Date(timeIntervalSince1970: $0) }
                if let expiry, expiry.addingTimeInterval(leeway) <= time { continue }
                marks.append(FederationTrustChain.TrustMark(type: type, compact: markJWT, expiresAt: expiry, claims: claims))
            }
        }
        let expiry = min(configuration["exp"]?.numberValue ?? 0, statement["exp"]?.numberValue ?? 0)
        return FederationTrustChain(
            trustAnchor: anchorID, subject: subject, statements: [statementJWT, configurationJWT], subjectKeys: subjectKeys,
            metadata: statement["metadata"] ?? .object([:]), trustMarks: marks, expiresAt: Date(timeIntervalSince1970: expiry))
    }

    // MARK: Helpers

    private func url(_ base: String, query: [(String, String)] = []) throws(StatusClientError) -> URL {
        guard var components = URLComponents(string: base) else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "\(base.prefix(200)) is not a URL")
        }
        if !query.isEmpty {
            // URLQueryItem leaves ':' and '/' as they are; '+' must be encoded for form decoding.
            components.percentEncodedQueryItems = (components.percentEncodedQueryItems ?? []) + query.map { name, value in
                URLQueryItem(name: name, value: value.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters))
            }
        }
        guard let url = components.url else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "\(base.prefix(200)) is not a URL")
        }
        try fetching.urlPolicy.check(url)
        return url
    }

    private static let queryValueCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private func fetchOptional(_ fetcher: HardenedFetcher, _ url: URL, what: String, absentOn404: Bool) async throws(StatusClientError) -> String? {
        let response = try await fetcher.get(
            url, headers: [(name: "Accept", value: "application/entity-statement+jwt, application/trust-mark+jwt, application/jwt")],
            maximumBodyBytes: fetching.maximumResponseBytes, accepting: absentOn404 ? [404] : [])
        if response.status == 404 { return nil }
        return try RegistryClient.compactBody(response, what: what)
    }

    private func get(_ fetcher: HardenedFetcher, _ url: URL, what: String) async throws(StatusClientError) -> String {
        guard let body = try await fetchOptional(fetcher, url, what: what, absentOn404: false) else {
            throw .retrieval(.httpStatus, "\(url.absoluteString) answered 404")
        }
        return body
    }

    private func verify(_ compact: String, type: String, keys: JWKSet, what: String) throws(StatusClientError) -> JSONValue {
        do {
            return try FederationSigning.verify(compact, type: type, keys: keys)
        } catch {
            throw RegistryClient.clientError(error, what)
        }
    }

    private func check(_ claims: JSONValue, issuer: String, subject: String, at time: Date, what: String) throws(StatusClientError) {
        guard claims["iss"]?.stringValue == issuer, claims["sub"]?.stringValue == subject else {
            throw .verification(.subjectMismatch, "the \(what) is not by \(issuer) about \(subject)")
        }
        guard let iat = claims["iat"]?.numberValue, let exp = claims["exp"]?.numberValue else {
            throw StatusClientError(.malformed, kind: .malformedValueError, "the \(what) lacks iat or exp")
        }
        guard Date(timeIntervalSince1970: iat) <= time.addingTimeInterval(leeway) else {
            throw .verification(.verificationFailed, "the \(what) is issued in the future")
        }
        guard Date(timeIntervalSince1970: exp).addingTimeInterval(leeway) > time else {
            throw .verification(.expired, "the \(what) expired at \(RegistryTime.format(Date(timeIntervalSince1970: exp)))")
        }
    }
}
