import Foundation
import Testing

@testable import StatusList

@Suite("IETF models: StatusList object, status claim, status types")
struct IETFModelTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test("the draft's status_list object")
    func statusList() throws {
        let model = try decode(IETFStatusList.self, #"{"bits":1,"lst":"eNrbuRgAAhcBXQ"}"#)
        #expect(model.bits == .one && model.aggregationURI == nil)
        let list = try model.bitstring()
        #expect((0..<16).map { list[$0] } == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let withAggregation = IETFStatusList(bits: .two, lst: "eNo76fITAAPfAgc", aggregationURI: "https://example.com/statuslists")
        let text = String(decoding: try encoder.encode(withAggregation), as: UTF8.self)
        #expect(text == #"{"aggregation_uri":"https://example.com/statuslists","bits":2,"lst":"eNo76fITAAPfAgc"}"#)
        #expect(try decode(IETFStatusList.self, text) == withAggregation)
        #expect(try withAggregation.bitstring().count == 12)
    }

    @Test("strict status_list decoding")
    func statusListRejections() {
        expectStatusListError(.invalidEntrySize) { _ = try decode(IETFStatusList.self, #"{"bits":3,"lst":"eNrbuRgAAhcBXQ"}"#) }
        expectStatusListError(.malformedValue) { _ = try decode(IETFStatusList.self, #"{"bits":"1","lst":"eNrbuRgAAhcBXQ"}"#) }
        expectStatusListError(.malformedValue) { _ = try decode(IETFStatusList.self, #"{"bits":1}"#) }
        expectStatusListError(.malformedValue) { _ = try decode(IETFStatusList.self, #"{"bits":1,"lst":7}"#) }
        expectStatusListError(.malformedEncoding) { _ = try decode(IETFStatusList.self, #"{"bits":1,"lst":"eNrbuRgAAhcBXQ=="}"#) }
        expectStatusListError(.malformedValue) {
            _ = try decode(IETFStatusList.self, #"{"bits":1,"lst":"eNrbuRgAAhcBXQ","aggregation_uri":"statuslists"}"#)
        }
        expectStatusListError(.malformedValue) { _ = try decode(IETFStatusList.self, #"[1]"#) }
    }

    @Test("the status claim of a referenced token")
    func statusClaim() throws {
        let claim = try decode(StatusClaim.self, #"{"status_list":{"idx":0,"uri":"https://example.com/statuslists/1"},"other":{}}"#)
        #expect(claim.statusList.idx == 0 && claim.statusList.uri == "https://example.com/statuslists/1")
        let encoded = try JSONEncoder().encode(claim)
        #expect(try JSONDecoder().decode(StatusClaim.self, from: encoded) == claim)
        #expect(try decode(StatusClaim.self, #"{"status_list":{"idx":1048575,"uri":"https://e.example/1"}}"#).statusList.idx == 1_048_575)

        expectStatusListError(.indexOutOfRange) { _ = try decode(StatusClaim.self, #"{"status_list":{"idx":-1,"uri":"https://e.example/1"}}"#) }
        for bad in [
            #"{"status_list":{"idx":"0","uri":"https://e.example/1"}}"#,
            #"{"status_list":{"idx":0.5,"uri":"https://e.example/1"}}"#,
            #"{"status_list":{"idx":0}}"#,
            #"{"status_list":{"uri":"https://e.example/1"}}"#,
            #"{"status_list":{"idx":0,"uri":"statuslists/1"}}"#,
            #"{"status_list":{"idx":0,"uri":""}}"#,
            #"{"status_list":{"idx":99999999999999999999,"uri":"https://e.example/1"}}"#,
            #"{"other":{}}"#,
        ] {
            expectStatusListError(.malformedValue) { _ = try decode(StatusClaim.self, bad) }
        }
        expectStatusListError(.indexOutOfRange) { _ = try StatusListReference(idx: -5, uri: "https://e.example/1") }
    }

    @Test("status types")
    func statusTypes() {
        #expect(StatusType.valid.rawValue == 0 && StatusType.invalid.rawValue == 1 && StatusType.suspended.rawValue == 2)
        #expect(StatusType.applicationSpecific.rawValue == 3 && StatusType.applicationSpecific0F.rawValue == 0x0F)
        #expect([0x03, 0x0C, 0x0D, 0x0E, 0x0F].allSatisfy { StatusType(rawValue: UInt8($0)).isApplicationSpecific })
        #expect(![0x00, 0x01, 0x02, 0x04, 0x0B, 0x10, 0xFF].contains { StatusType(rawValue: UInt8($0)).isApplicationSpecific })
        #expect(StatusType.valid.name == "VALID" && StatusType.invalid.name == "INVALID" && StatusType.suspended.name == "SUSPENDED")
        #expect(StatusType.applicationSpecific0C.name == "APPLICATION_SPECIFIC" && StatusType(rawValue: 0x0B).name == "UNASSIGNED")
        #expect(!StatusType(rawValue: 0x0B).isAssigned && StatusType.suspended.isAssigned)
    }
}
