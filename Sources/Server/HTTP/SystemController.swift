import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import Signing

/// Liveness, readiness, metrics, the service's keys and the API description.
public struct SystemController: Sendable {
    public typealias Context = StandingRequestContext
    let keys: SigningKeyRing
    let registry: PrometheusCollectorRegistry
    let unreadyCause: @Sendable () async -> String?
    let beforeMetrics: @Sendable () -> Void

    /// Creates the controller.
    /// - Parameters:
    ///   - unreadyCause: Why the service cannot do its job (answered as `/ready`'s 503 detail), or nil when it can.
    ///   - beforeMetrics: Brings gauges that depend on the current time up to date before each scrape.
    public init(
        keys: SigningKeyRing, registry: PrometheusCollectorRegistry, unreadyCause: @escaping @Sendable () async -> String?,
        beforeMetrics: @escaping @Sendable () -> Void = {}
    ) {
        self.keys = keys
        self.registry = registry
        self.unreadyCause = unreadyCause
        self.beforeMetrics = beforeMetrics
    }

    /// The routes, at the root.
    public func addRoutes(to router: Router<Context>) {
        router.get("health") { _, _ in try jsonResponse(["status": "ok"], headers: [.cacheControl: "no-store"]) }
        router.get("ready") { request, context in
            if let cause = await unreadyCause() {
                // Answered here rather than thrown: probes poll this, and the cause is logged where it arises.
                return try ProblemDetails.from(ServiceError(.unavailable, cause)).response(from: request, context: context)
            }
            return try jsonResponse(["status": "ready"], headers: [.cacheControl: "no-store"])
        }
        router.get("metrics") { _, _ in
            beforeMetrics()
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
                body: .init(byteBuffer: keys.jwks))
        }
        router.get(".well-known/did.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/did+json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: keys.didDocument))
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
