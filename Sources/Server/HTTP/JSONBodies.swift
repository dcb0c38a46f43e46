import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A request body type that names its members, so unknown members are refused rather than silently ignored
/// (a misspelt `"reasn"` must not drop the reason).
public protocol StrictRequestBody: Decodable {
    /// Every top-level member the body may have.
    static var members: Set<String> { get }
}

extension Request {
    /// Decodes a JSON body strictly: size-capped, an object, no unknown members, exact types.
    /// - Throws: ``ServiceError`` `badRequest` / `payloadTooLarge` with a precise detail.
    func decodeStrict<Body: StrictRequestBody>(_ type: Body.Type, context: StandingRequestContext) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw ServiceError(.payloadTooLarge, "the body is larger than \(context.maxUploadSize) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ServiceError(.payloadTooLarge, "the body is larger than \(context.maxUploadSize) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw ServiceError(.badRequest, "the body is empty; expected a JSON object") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ServiceError(.badRequest, "the body is not valid JSON")
        }
        guard let members = object as? [String: Any] else {
            throw ServiceError(.badRequest, "the body must be a JSON object")
        }
        let unknown = Set(members.keys).subtracting(Body.members)
        guard unknown.isEmpty else {
            throw ServiceError(.badRequest, "unknown member\(unknown.count > 1 ? "s" : "") \(unknown.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw ServiceError(.badRequest, ProblemDetails.describe(error))
        }
    }
}

/// Encodes a value as a JSON response with stable member order.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}
