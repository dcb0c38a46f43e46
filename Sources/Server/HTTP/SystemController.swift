import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import Signing

/// Liveness, readiness, metrics, the service's keys and the API description.
public struct SystemController: Sendable {
    public typealias Context = StandingRequestContext
    let keys: ServiceKeys
    let registry: PrometheusCollectorRegistry
    let isReady: @Sendable () async -> Bool

    /// Creates the controller.
    public init(keys: ServiceKeys, registry: PrometheusCollectorRegistry, isReady: @escaping @Sendable () async -> Bool) {
        self.keys = keys
        self.registry = registry
        self.isReady = isReady
    }

    /// The routes, at the root.
    public func addRoutes(to router: Router<Context>) {
        let jwks = Self.encode(keys.jwks)
        let didDocument = Self.encode(keys.didDocument)
        router.get("health") { _, _ in try jsonResponse(["status": "ok"], headers: [.cacheControl: "no-store"]) }
        router.get("ready") { _, _ in
            guard await isReady() else { throw ServiceError(.unavailable, "the service is still loading its lists") }
            return try jsonResponse(["status": "ready"], headers: [.cacheControl: "no-store"])
        }
        router.get("metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get(".well-known/jwks.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/jwk-set+json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: jwks))
        }
        router.get(".well-known/did.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/did+json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: didDocument))
        }
        let document = ByteBuffer(string: OpenAPIDocument.json)
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: document))
        }
    }

    static func encode(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own well-formed key documents cannot fail; an empty body would show up in every test.
        return ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data())
    }
}
