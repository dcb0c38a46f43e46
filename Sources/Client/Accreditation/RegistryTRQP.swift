import Foundation
import Signing
import StatusList
import TrustRegistry

extension RegistryClient {
    // MARK: TRQP mode

    func trqp(_ query: AccreditationQuery, resources: [String]) async throws(StatusClientError) -> AccreditationResult {
        guard configuration.policy != .offline else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "TRQP queries need the network; use the snapshot mode offline")
        }
        let authority = try await rootAuthority()
        var context = ["time": RegistryTime.format(query.time)]
        if let eqfLevel = query.eqfLevel { context["eqfLevel"] = eqfLevel }
        if let jurisdiction = query.jurisdiction { context["jurisdiction"] = jurisdiction }
        if let iscedF = query.iscedF { context["iscedF"] = iscedF }
        var denial: AccreditationResult?
        for resource in resources {
            let request = TRQPQuery(
                entityID: query.issuer,
                authorityID: authority,
                action: RegistryAction.issue,
                resource: resource,
                context: context
            )
            let (answer, seq) = try await post(request)
            var result = AccreditationResult(
                accredited: answer.authorized,
                registry: base,
                detail: answer.message,
                accreditationId: Self.accreditationID(in: answer.message),
                seq: seq ?? Self.sequenceNumber(in: answer.message),
                mode: .trqp,
                resource: resource,
                evaluatedAt: RegistryTime.truncated(query.time)
            )
            if answer.authorized { return result }
            // The most telling denial names an accreditation (suspended, revoked, out of period) rather than none.
            if denial == nil || (denial?.accreditationId == nil && result.accreditationId != nil) {
                result.resource = resource
                denial = result
            }
        }
        return denial ?? AccreditationResult(accredited: false, registry: base, mode: .trqp)
    }

    func rootAuthority() async throws(StatusClientError) -> String {
        if let trqpAuthority { return trqpAuthority }
        let response = try await fetcher.get(
            try endpoint("/trqp/metadata"),
            headers: [(name: "Accept", value: "application/json")],
            maximumBodyBytes: 1 << 20
        )
        guard let metadata = try? JSONValue(parsing: response.body), let id = metadata["id"]?.stringValue, !id.isEmpty else {
            throw StatusClientError(.malformed, kind: .malformedValueError, "\(base)/trqp/metadata has no authority id")
        }
        trqpAuthority = id
        return id
    }

    func post(_ query: TRQPQuery) async throws(StatusClientError) -> (TRQPAuthorizationResponse, Int?) {
        let url = try endpoint("/trqp/authorization")
        let body: Data
        do {
            body = try JSONEncoder().encode(query)
        } catch {
            throw StatusClientError(.malformed, kind: .malformedValueError, "cannot encode the TRQP query: \(error)")
        }
        let response = try await configuration.fetching.transport.send(
            TransportRequest(
                url: url,
                headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json")],
                timeout: configuration.fetching.timeout,
                maximumBodyBytes: 1 << 20,
                method: "POST",
                body: body
            ),
            before: .now + configuration.fetching.timeout,
            timeout: configuration.fetching.timeout
        )
        guard response.status == 200 else {
            let detail = (try? JSONValue(parsing: response.body))?["detail"]?.stringValue.map { ": " + $0.prefix(300) } ?? ""
            throw StatusClientError.retrieval(.httpStatus, "\(url.absoluteString) answered \(response.status)\(detail)")
        }
        let answer: TRQPAuthorizationResponse
        do {
            answer = try JSONDecoder().decode(TRQPAuthorizationResponse.self, from: response.body)
        } catch {
            throw StatusClientError(
                .malformed,
                kind: .malformedValueError,
                "the TRQP answer of \(base) is not a TRQP authorization response: \(error)"
            )
        }
        guard answer.entityID == query.entityID, answer.resource == query.resource, answer.action == query.action else {
            throw StatusClientError(.malformed, kind: .malformedValueError, "the TRQP answer of \(base) is about another question")
        }
        return (answer, response.header("X-Registry-Seq").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
    }

    /// The 64-hex-digit id following the word `accreditation` in a TRQP message.
    static func accreditationID(in message: String) -> String? {
        let words = message.split(separator: " ")
        for (index, word) in words.enumerated() where word == "accreditation" && index + 1 < words.count {
            let candidate = words[index + 1]
            if candidate.count == 64, candidate.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) { return String(candidate) }
        }
        return nil
    }

    /// `N` of the last `(seq N)` in a TRQP message.
    static func sequenceNumber(in message: String) -> Int? {
        guard let range = message.range(of: "(seq ", options: .backwards) else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }
}
