import Foundation
import HTTPTypes
import Hummingbird
import Signing
import StandingAPI
import StatusList
import Store

/// The VC-API status calls of the Digital Credentials Consortium's and Sphereon's status services, over the admin
/// API's rules (``StatusService``): `POST /credentials/status/allocate` takes an unsigned credential and answers it
/// with `credentialStatus` entries; `POST /credentials/status` changes a credential's status by its id. Issuer and
/// operator tokens, as on `/admin`.
public struct CredentialStatusController<Repository: StatusStore>: Sendable {
    public typealias Context = StandingRequestContext
    let service: StatusService<Repository>

    /// Creates the controller.
    public init(service: StatusService<Repository>) {
        self.service = service
    }

    /// The routes, relative to `/credentials`.
    public var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("status/allocate", use: allocate)
        routes.post("status", use: update)
        return routes
    }

    /// `POST /credentials/status/allocate[?purposes=revocation,suspension]`: the credential back with its entries.
    @Sendable func allocate(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.issuer, .operator_)
        let purposes = try request.uri.queryParameters.get("purposes").map(Self.purposes) ?? StatusService<Repository>.defaultCredentialPurposes
        let buffer = try await request.collectBody(limit: context.maxUploadSize)
        let credential = try CredentialStatusMapping.unsignedCredential(Data(buffer.readableBytesView))
        let entries = try await service.allocate(credentialId: credential.id, purposes: purposes, caller: caller)
        return try jsonResponse(try CredentialStatusMapping.attach(entries.map(\.credentialStatus), to: credential.members))
    }

    /// `POST /credentials/status`: one change of one of the credential's entries.
    @Sendable func update(request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.issuer, .operator_)
        let body = try await request.decodeStrict(UpdateCredentialStatusRequest.self, context: context)
        let (change, value, records) = try await service.updateCredentialStatus(body, caller: caller)
        let changed = StatusChanged(
            list: change.listId, requested: 1, records: records, details: true, value: Int(value))
        return try jsonResponse(
            CredentialStatusUpdated(
                message: CredentialStatusMapping.message(for: change), credentialId: body.credentialId, statusPurpose: change.purpose,
                index: change.index, change: changed))
    }

    static func purposes(_ text: String) throws -> [ListPurpose] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { name in
            guard let purpose = ListPurpose(rawValue: String(name)) else {
                throw ServiceError(.badRequest, "purposes must be a comma-separated list of revocation, suspension, message, refresh; got '\(text.prefix(80))'")
            }
            return purpose
        }
    }
}

extension UpdateCredentialStatusRequest: StrictRequestBody {}
