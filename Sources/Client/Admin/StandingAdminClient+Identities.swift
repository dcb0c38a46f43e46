import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Signing
import StandingAPI

extension StandingAdminClient {
    /// `POST /admin/identities` (operator): give an issuer a signing identity.
    public func createIdentity(_ request: CreateIdentityRequest) async throws -> SigningIdentityInfo {
        try await call(.POST, "/admin/identities", body: request)
    }

    /// `GET /admin/identities` (operator).
    public func identities() async throws -> [SigningIdentityInfo] {
        let page: IdentitiesPage = try await call(.GET, "/admin/identities")
        return page.identities
    }

    /// `GET /admin/identities/{issuer}` (operator).
    public func identity(issuer: String) async throws -> SigningIdentityInfo {
        try await call(.GET, "/admin/identities/\(Self.segment(issuer))")
    }

    /// `POST /admin/identities/{issuer}/activate` (operator): after ``checkPublished(_:)`` found the key published.
    public func activateIdentity(issuer: String, keyId: String? = nil) async throws -> SigningIdentityInfo {
        try await call(.POST, "/admin/identities/\(Self.segment(issuer))/activate", body: ActivateIdentityRequest(keyId: keyId))
    }

    /// `POST /admin/identities/{issuer}/chain` (operator): the chain the issuer's CA returned, PEM, leaf first.
    public func importChain(issuer: String, pem: String) async throws -> SigningIdentityInfo {
        try await call(.POST, "/admin/identities/\(Self.segment(issuer))/chain", body: ImportChainRequest(pem: pem))
    }

    /// `GET /admin/identities/{issuer}/csr` (operator): the PKCS#10 request (PEM) for the key waiting for a certificate.
    public func certificateSigningRequest(issuer: String) async throws -> String {
        let data = try await send(.GET, "/admin/identities/\(Self.segment(issuer))/csr", headers: [("Accept", "application/pkcs10")], body: nil, authorized: true)
        return String(decoding: data, as: UTF8.self)
    }

    /// `POST /admin/keys/rotate` (operator) for an issuer's identity.
    public func rotateKeys(issuer: String) async throws -> SigningIdentityInfo {
        try await call(.POST, "/admin/keys/rotate", body: RotateKeysRequest(issuer: issuer))
    }

    /// `POST /admin/keys/rotate` (operator) for the service's own keys.
    public func rotateServiceKeys() async throws -> ServiceKeysInfo {
        try await call(.POST, "/admin/keys/rotate", body: RotateKeysRequest())
    }

    /// Fetches the DID document of a `did-web` identity's DID and checks that it publishes the pending key as the
    /// identity expects (``DIDPublication/check(_:publishes:)``), before the key is activated.
    /// - Parameter allowLoopbackHTTP: Fetch `did:web:127.0.0.1…` documents over plain http (tests, local set-ups);
    ///   did:web itself is https only.
    /// - Throws: ``StandingAdminError`` when the document cannot be fetched or does not publish the key.
    public func checkPublished(_ identity: SigningIdentityInfo, allowLoopbackHTTP: Bool = false) async throws {
        guard let method = identity.verificationMethodToPublish else {
            throw StandingAdminError(.refused, "issuer '\(identity.issuer)' has no key waiting to be published")
        }
        var url: URL
        do {
            url = try DIDWeb.documentURL(for: identity.did)
        } catch {
            throw StandingAdminError(.invalidServerURL, "'\(identity.did)' is not a did:web: \(error.reason)")
        }
        if allowLoopbackHTTP, let host = url.host, ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host),
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        {
            components.scheme = "http"
            url = components.url ?? url
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "application/did+json, application/json")
        let bytes: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(30))
            guard response.status.code == 200 else {
                throw StandingAdminError(
                    .refused, "the DID document \(url.absoluteString) answered \(response.status.code): publish it there first", status: Int(response.status.code))
            }
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch let error as StandingAdminError {
            throw error
        } catch {
            throw StandingAdminError(.unreachable, "cannot fetch the DID document \(url.absoluteString): \(error)")
        }
        let document: DIDDocument
        do {
            document = try JSONDecoder().decode(DIDDocument.self, from: Data(bytes.readableBytesView))
        } catch {
            throw StandingAdminError(.malformedAnswer, "\(url.absoluteString) is not a DID document: \(error)")
        }
        try DIDPublication.check(document, publishes: method)
    }
}

/// Whether an issuer's own DID document publishes the key a `did-web` identity will sign with.
public enum DIDPublication {
    /// Checks that `document` is the DID's document, lists `method` with the same public key, and names it under
    /// `assertionMethod` (the relationship status lists are verified against).
    /// - Throws: ``StandingAdminError`` saying what is missing.
    public static func check(_ document: DIDDocument, publishes method: DIDDocument.VerificationMethod) throws {
        guard document.id == method.controller else {
            throw StandingAdminError(.refused, "the DID document's id is '\(document.id)', not '\(method.controller)'")
        }
        guard let listed = document.verificationMethod.first(where: { $0.id == method.id || $0.id == "#" + (method.id.split(separator: "#").last ?? "") }) else {
            throw StandingAdminError(.refused, "the DID document of \(method.controller) does not list the verification method \(method.id) yet")
        }
        guard let expected = method.publicKeyJwk, let published = listed.publicKeyJwk,
            let expectedKey = try? VerificationKey(jwk: expected), let publishedKey = try? VerificationKey(jwk: published), expectedKey == publishedKey
        else {
            throw StandingAdminError(.refused, "the DID document lists \(method.id) with another public key than the service holds")
        }
        let relative = "#" + (method.id.split(separator: "#").last ?? "")
        guard document.assertionMethod.contains(method.id) || document.assertionMethod.contains(relative) else {
            throw StandingAdminError(.refused, "the DID document lists \(method.id) but not under assertionMethod")
        }
    }
}
