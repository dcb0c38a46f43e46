import Foundation
import Signing
import Testing

@testable import TrustRegistry

/// The OpenID Federation view over the example registry: Trust Mark type identifiers, active Trust Marks, and the
/// Trust Mark status at instants around expiry, suspension and revocation.
@Suite struct FederationViewTests {
    static let configuration = FederationConfiguration(baseURL: "https://registry.example.eu/")
    static let hogeschool = "did:web:hogeschool.example.nl"
    static let businessSchool = "did:web:escuela-negocios.example.es"

    static func example() throws -> RegistryState {
        let document = try JSONValue(parsing: try Data(contentsOf: ExampleRegistryTests.exampleURL))
        return try ExampleRegistryTests.importStatements(document, at: ExampleRegistryTests.importTime)
    }

    @Test(arguments: [
        (AccreditationRole.ti, "MicroCredential", "https://registry.example.eu/tm/issue/MicroCredential"),
        (.tao, "Diploma", "https://registry.example.eu/tm/accredit/Diploma"),
        (.ti, "https://registry.example.eu/schemas/edc-microcredential-v1",
         "https://registry.example.eu/tm/issue/https%3A%2F%2Fregistry.example.eu%2Fschemas%2Fedc-microcredential-v1"),
    ])
    func trustMarkTypesRoundTrip(role: AccreditationRole, resource: String, type: String) throws {
        #expect(Self.configuration.entityID == "https://registry.example.eu")
        #expect(Self.configuration.trustMarkType(role: role, resource: resource) == type)
        let parsed = try #require(Self.configuration.parseTrustMarkType(type))
        #expect(parsed.role == role && parsed.resource == resource)
    }

    @Test(arguments: [
        "https://registry.example.eu/tm/issue/",
        "https://registry.example.eu/tm/recognise/MicroCredential",
        "https://registry.example.eu/tm/issue/Micro%43redential",  // not the canonical spelling of MicroCredential
        "https://registry.example.eu/tm/issue/a/b",
        "https://other.example/tm/issue/MicroCredential",
    ])
    func otherIdentifiersAreNoTrustMarkTypes(type: String) {
        #expect(Self.configuration.parseTrustMarkType(type) == nil)
        #expect(Self.configuration.trustMarkType(role: .rootTAO, resource: "MicroCredential") == nil)
    }

    @Test func trustMarksFollowTheAccreditationChain() throws {
        let state = try Self.example()
        let now = ExampleRegistryTests.importTime.addingTimeInterval(86_400)
        let micro = try #require(Self.configuration.trustMarkType(role: .ti, resource: "MicroCredential"))
        let marks = state.activeTrustMarks(of: Self.hogeschool, configuration: Self.configuration, at: now)
        #expect(marks.map(\.type).contains(micro))
        // The suspended business school holds none; it stays a subordinate.
        #expect(state.activeTrustMarks(of: Self.businessSchool, configuration: Self.configuration, at: now).isEmpty)
        #expect(state.federationSubordinates(filter: FederationListFilter(), configuration: Self.configuration, at: now).contains(Self.businessSchool))
        var marked = FederationListFilter()
        marked.trustMarked = true
        #expect(!state.federationSubordinates(filter: marked, configuration: Self.configuration, at: now).contains(Self.businessSchool))
        #expect(state.trustMarkedEntities(type: micro, subject: nil, configuration: Self.configuration, at: now).contains(Self.hogeschool))
        #expect(state.federationTrustMarkTypes(configuration: Self.configuration).contains(micro))

        // The mark's status: active now, expired after its exp, and after the accreditation's validUntil.
        let claims = try state.federationTrustMark(type: micro, subject: Self.hogeschool, configuration: Self.configuration, issuedAt: now).body
        #expect(try state.trustMarkStatus(claims: claims, configuration: Self.configuration, at: now) == .active)
        let exp = try #require(claims["exp"]?.numberValue)
        #expect(try state.trustMarkStatus(claims: claims, configuration: Self.configuration, at: Date(timeIntervalSince1970: exp)) == .expired)
        let accreditationId = try #require(claims["accreditation_id"]?.stringValue)
        let record = try #require(state.accreditation(accreditationId))
        #expect(Date(timeIntervalSince1970: exp) <= record.validUntil)
        var lasting = claims.objectValue ?? [:]
        lasting["exp"] = nil
        #expect(try state.trustMarkStatus(claims: .object(lasting), configuration: Self.configuration, at: record.validUntil) == .expired)

        // A mark naming another subject, type or registry is not one this registry issued.
        for (member, value) in [("sub", "did:web:other.example"), ("iss", "https://other.example"), ("trust_mark_type", Self.configuration.trustMarkType(role: .tao, resource: "MicroCredential")!)] {
            var altered = claims.objectValue ?? [:]
            altered[member] = .string(value)
            #expect(throws: RegistryError.self) { try state.trustMarkStatus(claims: .object(altered), configuration: Self.configuration, at: now) }
        }
        // No Trust Mark for an entity without an accreditation in force.
        #expect(throws: RegistryError.self) {
            try state.federationTrustMark(type: micro, subject: Self.businessSchool, configuration: Self.configuration, issuedAt: now)
        }
    }

    @Test func subordinateStatementsNameTheEntityNotTheRoot() throws {
        let state = try Self.example()
        let statement = try state.federationSubordinateStatement(subject: Self.hogeschool, configuration: Self.configuration, issuedAt: Date()).body
        #expect(statement["iss"]?.stringValue == "https://registry.example.eu")
        #expect(statement["sub"]?.stringValue == Self.hogeschool)
        #expect(try statement["jwks"]?["keys"]?.decode([JWK].self) == state.entity(Self.hogeschool)?.keys)
        #expect(throws: RegistryError.self) {
            try state.federationSubordinateStatement(subject: state.rootAuthority ?? "", configuration: Self.configuration, issuedAt: Date())
        }
        #expect(throws: RegistryError.self) {
            try RegistryState().federationEntityConfiguration(configuration: Self.configuration, keys: [], issuedAt: Date())
        }
    }
}
