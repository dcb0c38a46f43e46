import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StandingAPI

/// Issuers' signing identities and key rotation (operator only), and the DID documents the service hosts for issuers.
public struct IdentitiesController: Sendable {
    public typealias Context = StandingRequestContext
    let identities: IdentityService
    let ring: SigningKeyRing

    /// Creates the controller.
    public init(identities: IdentityService, ring: SigningKeyRing) {
        self.identities = identities
        self.ring = ring
    }

    /// Adds the public DID documents at the root and the administration under `admin`.
    public func addRoutes(to router: Router<Context>, admin: RouterGroup<Context>) {
        router.get("issuers/:issuer/did.json") { _, context in
            let issuer = try context.parameters.require("issuer")
            guard let document = ring.hostedDocument(issuer: issuer) else {
                throw ServiceError(.notFound, "the service hosts no DID document for issuer '\(issuer)'")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/did+json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: document))
        }
        admin.post("identities", use: create)
        admin.get("identities", use: list)
        admin.get("identities/:issuer", use: show)
        admin.post("identities/:issuer/activate", use: activate)
        admin.post("identities/:issuer/chain", use: importChain)
        admin.get("identities/:issuer/csr", use: csr)
        admin.post("keys/rotate", use: rotate)
    }

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_)
        let body = try await request.decodeStrict(CreateIdentityRequest.self, context: context)
        return try jsonResponse(try await identities.create(body, actor: caller), status: .created, headers: [.cacheControl: "no-store"])
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        return try jsonResponse(IdentitiesPage(identities: try await identities.identities()), headers: [.cacheControl: "no-store"])
    }

    @Sendable func show(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        return try jsonResponse(try await identities.identity(issuer: try context.parameters.require("issuer")), headers: [.cacheControl: "no-store"])
    }

    @Sendable func activate(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_)
        let body = try await request.decodeStrict(ActivateIdentityRequest.self, context: context)
        let issuer = try context.parameters.require("issuer")
        return try jsonResponse(try await identities.activate(issuer: issuer, keyId: body.keyId, actor: caller), headers: [.cacheControl: "no-store"])
    }

    @Sendable func importChain(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_)
        let body = try await request.decodeStrict(ImportChainRequest.self, context: context)
        let issuer = try context.parameters.require("issuer")
        return try jsonResponse(try await identities.importChain(issuer: issuer, pem: body.pem, actor: caller), headers: [.cacheControl: "no-store"])
    }

    @Sendable func csr(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_)
        let pem = try await identities.certificateSigningRequest(issuer: try context.parameters.require("issuer"), actor: caller)
        return Response(
            status: .ok, headers: [.contentType: "application/pkcs10", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: pem)))
    }

    @Sendable func rotate(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.operator_)
        let body = try await request.decodeStrict(RotateKeysRequest.self, context: context)
        if let issuer = body.issuer {
            return try jsonResponse(try await identities.rotate(issuer: issuer, actor: caller), headers: [.cacheControl: "no-store"])
        }
        return try jsonResponse(try await identities.rotateServiceKeys(actor: caller), headers: [.cacheControl: "no-store"])
    }
}

extension CreateIdentityRequest: StrictRequestBody {}
extension ActivateIdentityRequest: StrictRequestBody {}
extension ImportChainRequest: StrictRequestBody {}
extension RotateKeysRequest: StrictRequestBody {}
