import Foundation
import Logging
import Signing
import StatusList
import StatusListSecuring

extension StandingClient {
    /// Builds a cache entry from stored bytes by verifying them under `keys`.
    func entry(from stored: StoredResponse, keys: ListKeys, context: RequestContext) throws(StatusClientError) -> ListEntry {
        let (verified, signingKey) = try verify(stored, keys: keys, context: context)
        var stored = stored
        stored.validUntilHint = verified.validUntil
        let entry = ListEntry(
            stored: stored,
            verified: [context.sizeKey: verified],
            verifyingKey: signingKey,
            keyID: verified.keyID,
            validUntil: verified.validUntil,
            ttlSeconds: verified.ttlSeconds,
            freshUntil: freshUntil(stored, ttlSeconds: verified.ttlSeconds, validUntil: verified.validUntil, historical: context.historical),
            noStore: false,
            lastUsed: 0,
            authorizedTrust: context.trustIdentity,
            authorizedGeneration: context.trustGeneration
        )
        return entry
    }

    /// Makes sure a cached entry may answer this request: verified by a key the caller trusts now, and decoded at the
    /// requested entry size. The cached bytes are verified again when either is not the case (no network).
    func authorize(_ entry: ListEntry, keys: ListKeys, context: RequestContext) throws(StatusClientError) -> ListEntry {
        var updated = entry
        updated.authorizedTrust = context.trustIdentity
        updated.authorizedGeneration = context.trustGeneration
        if entry.verified[context.sizeKey] != nil, keys.keys.key(keyID: entry.keyID) == entry.verifyingKey {
            return updated
        }
        let (verified, signingKey) = try verify(entry.stored, keys: keys, context: context)
        if signingKey != entry.verifyingKey || verified.keyID != entry.keyID {
            updated.verified = [:]
            updated.verifyingKey = signingKey
            updated.keyID = verified.keyID
        }
        updated.verified[context.sizeKey] = verified
        return updated
    }

    /// Verifies stored bytes as a list of the referenced specification, with the size caps and URL checks.
    func verify(
        _ stored: StoredResponse,
        keys listKeys: ListKeys,
        context: RequestContext
    ) throws(StatusClientError) -> (VerifiedStatusList, VerificationKey) {
        let keys = listKeys.keys
        let format: VerifiedStatusList.Format
        do {
            format = try StatusListVerifier.format(of: stored.body, mediaType: stored.mediaType)
        } catch {
            throw StatusClientError(error)
        }
        guard format.isW3C == context.format.isW3C else {
            let referenced = context.format.isW3C ? "a W3C status list credential" : "an IETF Status List Token"
            throw .retrieval(.unrecognisedFormat, "\(context.expectedURL) served \(format.rawValue), but the reference is to \(referenced)")
        }
        var limits = StatusListVerifier.Limits()
        limits.maximumDecodedBytes = decodedByteCap(forResponseBytes: stored.body.count)
        limits.clockSkew = configuration.verification.clockSkew
        limits.maximumTTLSeconds = configuration.caching.maximumTTLSeconds
        var verified: VerifiedStatusList
        do {
            verified = try StatusListVerifier.verify(
                stored.body,
                mediaType: stored.mediaType,
                expectedURL: context.expectedURL,
                trustedKeys: keys,
                statusSize: context.statusSize,
                at: context.evaluationTime,
                limits: limits
            )
        } catch {
            if error.kind == .statusVerificationError, let hint = stored.validUntilHint, hint <= context.evaluationTime {
                throw .verification(.expired, "\(context.expectedURL) expired at \(XMLDateTime.format(hint)): \(error.detail)")
            }
            throw StatusClientError(error)
        }
        // The keys were the chain's leaf alone: record the validated path, the list's binding by certificate.
        verified.certificatePath = listKeys.signer?.path
        if verified.format.isW3C, configuration.verification.requiresW3CListIDMatch, verified.url != context.expectedURL {
            throw .verification(.subjectMismatch, "the status list credential's id '\(verified.url)' is not the referenced '\(context.expectedURL)'")
        }
        if context.historical, verified.validUntil == nil {
            throw .verification(
                .verificationFailed,
                "the list states no validUntil/exp, so it cannot be shown to have been in force at \(XMLDateTime.format(context.evaluationTime))"
            )
        }
        guard let signingKey = keys.key(keyID: verified.keyID) else {
            throw .verification(.verificationFailed, "the key that verified the list (\(verified.keyID ?? "no kid")) is not among the trusted keys")
        }
        return (verified, signingKey)
    }

    /// The largest decompressed list accepted for a response of `bytes` bytes.
    func decodedByteCap(forResponseBytes bytes: Int) -> Int {
        let (byRatio, overflow) = bytes.multipliedReportingOverflow(by: max(1, configuration.verification.maximumExpansionRatio))
        let allowed = max(configuration.verification.expansionAllowanceBytes, overflow ? Int.max : byRatio)
        return min(configuration.verification.maximumDecodedBytes, allowed)
    }

    func snapshot(
        _ entry: ListEntry,
        source: ListSource,
        staleness: TimeInterval,
        context: RequestContext
    ) throws(StatusClientError) -> CachedList {
        guard let verified = entry.verified[context.sizeKey] else {
            throw .verification(.verificationFailed, "internal: the list was not decoded at the requested entry size")
        }
        return Self.snapshot(
            verified,
            entry: entry,
            expectedURL: context.expectedURL,
            source: source,
            staleness: staleness,
            checkedAt: context.evaluationTime,
            minimumEntries: configuration.verification.minimumW3CEntries
        )
    }

    static func snapshot(
        _ verified: VerifiedStatusList,
        entry: ListEntry,
        expectedURL: String,
        source: ListSource,
        staleness: TimeInterval,
        checkedAt: Date,
        minimumEntries: Int
    ) -> CachedList {
        let metadata = ListMetadata(
            url: expectedURL,
            retrievedFrom: entry.stored.finalURL,
            mediaType: verified.format.rawValue,
            issuer: verified.issuer,
            keyID: verified.keyID,
            issuedAt: verified.issuedAt,
            validUntil: verified.validUntil,
            ttlSeconds: verified.ttlSeconds,
            etag: entry.stored.etag,
            fetchedAt: entry.stored.fetchedAt,
            freshUntil: entry.freshUntil,
            entryCount: verified.bitstring.count,
            bitsPerEntry: verified.bitstring.entrySize.bits
        )
        return CachedList(
            list: verified,
            metadata: metadata,
            source: source,
            staleness: staleness,
            checkedAt: checkedAt,
            minimumEntries: minimumEntries,
            verifyingKey: entry.verifyingKey
        )
    }
}
