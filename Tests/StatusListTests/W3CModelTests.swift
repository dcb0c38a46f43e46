import Foundation
import Testing

@testable import StatusList

@Suite("W3C models: BitstringStatusListEntry and BitstringStatusListCredential")
struct W3CModelTests {
    func decodeEntry(_ json: String) throws -> BitstringStatusListEntry {
        try JSONDecoder().decode(BitstringStatusListEntry.self, from: Data(json.utf8))
    }

    func entryJSON(index: String = #""94567""#, extra: String = "") -> String {
        """
        {"id": "https://example.com/credentials/status/3#94567", "type": "BitstringStatusListEntry",
         "statusPurpose": "revocation", "statusListIndex": \(index),
         "statusListCredential": "https://example.com/credentials/status/3"\(extra)}
        """
    }

    static let messages2 = """
        , "statusSize": 2, "statusMessage": [{"status": "0x0", "message": "pending_review"},
        {"status": "0x1", "message": "accepted"}, {"status": "0x2", "message": "rejected"}, {"status": "0x3", "message": "undefined"}]
        """

    @Test("the specification's example entry")
    func specEntry() throws {
        let entry = try decodeEntry(entryJSON())
        #expect(entry.statusListIndex == 94_567)
        #expect(entry.statusPurpose == .revocation)
        #expect(entry.statusListCredential == "https://example.com/credentials/status/3")
        #expect(entry.effectiveStatusSize == 1 && entry.statusSize == nil)
        #expect(try entry.entrySize() == .one)
        #expect(entry.message(for: 0) == "unset" && entry.message(for: 1) == "set" && entry.message(for: 2) == nil)
    }

    @Test(
        "statusListIndex must be a canonical base-10 string",
        arguments: [#""01""#, #""-1""#, #""+1""#, #""1.0""#, #""""#, #"" 1""#, #""1e3""#, #""0x10""#, #""١""#, "1", "94567", "null", "[\"1\"]"]
    )
    func badIndex(index: String) {
        let error = expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(index: index)) }
        #expect(error?.validationErrorKind == .malformedValueError)
    }

    @Test("index bounds")
    func indexBounds() throws {
        #expect(try decodeEntry(entryJSON(index: #""0""#)).statusListIndex == 0)
        #expect(try decodeEntry(entryJSON(index: #""9223372036854775807""#)).statusListIndex == Int.max)
        for index in [#""9223372036854775808""#, #""99999999999999999999999999999""#] {
            let error = expectStatusListError(.indexOutOfRange) { _ = try decodeEntry(entryJSON(index: index)) }
            #expect(error?.reason.contains("exceeds") == true)
            #expect(error?.validationErrorKind == .rangeError)
        }
        #expect(try BitstringStatusListEntry.parseIndex("131071") == 131_071)
        expectStatusListError(.indexOutOfRange) {
            _ = try BitstringStatusListEntry(statusPurpose: .revocation, statusListIndex: -1, statusListCredential: "https://x.example/1")
        }
    }

    @Test("statusSize and statusMessage rules")
    func messages() throws {
        let entry = try decodeEntry(entryJSON(extra: Self.messages2))
        #expect(entry.statusSize == 2)
        #expect(try entry.entrySize() == .two)
        #expect(entry.message(for: 2) == "rejected" && entry.statusMessage?.map(\.value) == [0, 1, 2, 3])

        // statusSize 2 without statusMessage.
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: #", "statusSize": 2"#)) }
        // Wrong message count.
        let three =
            #", "statusSize": 2, "statusMessage": [{"status":"0x0","message":"a"},{"status":"0x1","message":"b"},{"status":"0x2","message":"c"}]"#
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: three)) }
        let oneBitThree = #", "statusMessage": [{"status":"0x0","message":"a"},{"status":"0x1","message":"b"},{"status":"0x2","message":"c"}]"#
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: oneBitThree)) }
        // Duplicate, out-of-range and malformed status values.
        let duplicate = Self.messages2.replacingOccurrences(of: "\"0x3\"", with: "\"0x2\"")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: duplicate)) }
        let tooBig = Self.messages2.replacingOccurrences(of: "\"0x3\"", with: "\"0x4\"")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: tooBig)) }
        for bad in ["\"3\"", "\"0x\"", "\"0x-3\"", "\"0X3\"", "3", "\"0xg\""] {
            let malformed = Self.messages2.replacingOccurrences(of: "\"0x3\"", with: bad)
            expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: malformed)) }
        }
        // statusSize must be a positive integer.
        for size in ["0", "-1", "\"2\"", "1.5"] {
            expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: ", \"statusSize\": \(size)")) }
        }
        // A 3-bit entry is a valid entry, but cannot be read from a Bitstring.
        let eight = (0..<8).map { #"{"status":"0x\#($0)","message":"m\#($0)"}"# }.joined(separator: ",")
        let threeBit = try decodeEntry(entryJSON(extra: ", \"statusSize\": 3, \"statusMessage\": [\(eight)]"))
        expectStatusListError(.invalidEntrySize) { _ = try threeBit.entrySize() }
        // Huge sizes can never have enough messages.
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: ", \"statusSize\": 64, \"statusMessage\": []")) }
    }

    @Test("type, URLs and the id rule")
    func structure() throws {
        let wrongType = entryJSON().replacingOccurrences(of: "\"BitstringStatusListEntry\"", with: "\"StatusList2021Entry\"")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(wrongType) }
        let noType = entryJSON().replacingOccurrences(of: "\"type\": \"BitstringStatusListEntry\",", with: "")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(noType) }
        let sameId = entryJSON().replacingOccurrences(of: "/3#94567", with: "/3")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(sameId) }
        let relative = entryJSON().replacingOccurrences(of: "\"https://example.com/credentials/status/3\"", with: "\"/status/3\"")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(relative) }
        let noCredential = """
            {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "1"}
            """
        expectStatusListError(.malformedValue) { _ = try decodeEntry(noCredential) }
        let emptyPurpose = entryJSON().replacingOccurrences(of: "\"revocation\"", with: "\"\"")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(emptyPurpose) }
        let arrayPurpose = entryJSON().replacingOccurrences(of: "\"revocation\"", with: "[\"revocation\"]")
        expectStatusListError(.malformedValue) { _ = try decodeEntry(arrayPurpose) }
        let custom = try decodeEntry(entryJSON().replacingOccurrences(of: "\"revocation\"", with: "\"kyc-review\""))
        #expect(custom.statusPurpose == StatusPurpose(rawValue: "kyc-review"))
    }

    @Test("encoding: index as a string, statusReference shape preserved, round trip")
    func entryRoundTrip() throws {
        let single = try decodeEntry(entryJSON(extra: #", "statusReference": "https://example.com/refs/1""#))
        let many = try decodeEntry(entryJSON(extra: Self.messages2 + #", "statusReference": ["https://example.com/a", "https://example.com/b"]"#))
        for entry in [single, many, try decodeEntry(entryJSON())] {
            let data = try JSONEncoder().encode(entry)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["statusListIndex"] as? String == "94567")
            #expect(object["type"] as? String == "BitstringStatusListEntry")
            #expect(try JSONDecoder().decode(BitstringStatusListEntry.self, from: data) == entry)
        }
        #expect(single.statusReference == .one("https://example.com/refs/1"))
        #expect(many.statusReference?.values.count == 2)
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: #", "statusReference": []"#)) }
        expectStatusListError(.malformedValue) { _ = try decodeEntry(entryJSON(extra: #", "statusReference": "not a url""#)) }

        let built = try BitstringStatusListEntry(
            id: "urn:uuid:3f1b2c4e-0000-4000-8000-000000000001",
            statusPurpose: .message,
            statusListIndex: 7,
            statusListCredential: "https://example.com/status/9",
            statusSize: 2,
            statusMessage: try (0..<4).map { try StatusMessage(value: $0, message: "m\($0)") }
        )
        #expect(built.statusMessage?.map(\.status) == ["0x0", "0x1", "0x2", "0x3"])
        #expect(try JSONDecoder().decode(BitstringStatusListEntry.self, from: JSONEncoder().encode(built)) == built)
    }

    // MARK: Credential

    static let specCredential = """
        {
          "@context": ["https://www.w3.org/ns/credentials/v2"],
          "id": "https://example.com/credentials/status/3",
          "type": ["VerifiableCredential", "BitstringStatusListCredential"],
          "issuer": "did:example:12345",
          "validFrom": "2021-04-05T14:27:40Z",
          "credentialSubject": {
            "id": "https://example.com/status/3#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "\(W3CVectors.specAllZero)"
          }
        }
        """

    func decodeCredential(_ json: String) throws -> BitstringStatusListCredential {
        try JSONDecoder().decode(BitstringStatusListCredential.self, from: Data(json.utf8))
    }

    @Test("the specification's example credential")
    func specCredential() throws {
        let credential = try decodeCredential(Self.specCredential)
        #expect(credential.issuer == "did:example:12345")
        #expect(credential.credentialSubject.statusPurpose == .one(.revocation))
        #expect(credential.credentialSubject.serves(.revocation) && !credential.credentialSubject.serves(.suspension))
        #expect(credential.validFromDate == Date(timeIntervalSince1970: 1_617_632_860))
        let list = try credential.credentialSubject.bitstring()
        #expect(list.count == 131_072 && list.nonZeroCount == 0)
    }

    @Test("build, encode deterministically, decode")
    func credentialRoundTrip() throws {
        var list = try Bitstring()
        try list.set(1, at: 94_567)
        let subject = try BitstringStatusList(
            id: "https://example.com/status/3#list",
            statusPurpose: .many([.revocation, .suspension]),
            bitstring: list,
            ttl: 300_000
        )
        let credential = try BitstringStatusListCredential(
            id: "https://example.com/credentials/status/3",
            issuer: "https://example.com/issuers/1",
            credentialSubject: subject,
            validFrom: XMLDateTime.format(Date(timeIntervalSince1970: 1_700_000_000)),
            validUntil: "2030-01-01T00:00:00Z"
        )
        let data = try credential.jsonData()
        #expect(try credential.jsonData() == data)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.hasPrefix(#"{"@context":["https://www.w3.org/ns/credentials/v2"],"credentialSubject":{"#))
        #expect(text.contains(#""validFrom":"2023-11-14T22:13:20Z""#))
        let decoded = try JSONDecoder().decode(BitstringStatusListCredential.self, from: data)
        #expect(decoded == credential)
        #expect(try decoded.credentialSubject.bitstring() == list)
        #expect(decoded.credentialSubject.ttl == 300_000)
        #expect(decoded.credentialSubject.serves(.suspension))
    }

    @Test("strict credential decoding")
    func credentialRejections() throws {
        let spec = Self.specCredential
        let cases: [(String, String)] = [
            (#"["https://www.w3.org/ns/credentials/v2"]"#, #"["https://www.w3.org/2018/credentials/v1"]"#),
            (#"["https://www.w3.org/ns/credentials/v2"]"#, #""https://www.w3.org/ns/credentials/v2""#),
            (#"["VerifiableCredential", "BitstringStatusListCredential"]"#, #"["VerifiableCredential"]"#),
            (#"["VerifiableCredential", "BitstringStatusListCredential"]"#, #"["BitstringStatusListCredential"]"#),
            (#""type": "BitstringStatusList""#, #""type": "StatusList2021""#),
            (#""statusPurpose": "revocation""#, #""statusPurpose": []"#),
            (#""statusPurpose": "revocation""#, #""statusPurpose": 1"#),
            (#""validFrom": "2021-04-05T14:27:40Z""#, #""validFrom": "2021-04-05""#),
            (#""validFrom": "2021-04-05T14:27:40Z""#, #""validFrom": "2021-04-05T14:27:40""#),
            (#""validFrom": "2021-04-05T14:27:40Z""#, #""validFrom": "2021-02-30T14:27:40Z""#),
            (#""validFrom": "2021-04-05T14:27:40Z""#, #""validFrom": "2021-04-05T14:27:40Z", "validUntil": "2020-01-01T00:00:00Z""#),
            (#""issuer": "did:example:12345""#, #""issuer": 12345"#),
            (#""issuer": "did:example:12345""#, #""issuer": "not a uri""#),
            (#""id": "https://example.com/credentials/status/3""#, #""id": 3"#),
            (#""encodedList": "u"#, #""ttl": -1, "encodedList": "u"#),
            (#""encodedList": "u"#, #""ttl": 1.5, "encodedList": "u"#),
        ]
        for (original, replacement) in cases {
            #expect(spec.contains(original))
            let json = spec.replacingOccurrences(of: original, with: replacement)
            expectStatusListError(.malformedValue) { _ = try decodeCredential(json) }
        }
        let noPrefix = spec.replacingOccurrences(of: #""encodedList": "u"#, with: #""encodedList": ""#)
        expectStatusListError(.malformedEncoding) { _ = try decodeCredential(noPrefix) }
        let padded = spec.replacingOccurrences(of: #"QAAA""#, with: #"QAAA=""#)
        expectStatusListError(.malformedEncoding) { _ = try decodeCredential(padded) }
        let subjectArray = spec.replacingOccurrences(of: #""credentialSubject": {"#, with: #""credentialSubject": [{"#)
            .replacingOccurrences(of: "}\n}", with: "}]\n}")
        expectStatusListError(.malformedValue) { _ = try decodeCredential(subjectArray) }
    }

    @Test("lenient where the data model allows: issuer object, extra contexts and types, purpose array")
    func credentialVariants() throws {
        let json = Self.specCredential
            .replacingOccurrences(of: #""issuer": "did:example:12345""#, with: #""issuer": {"id": "did:example:12345", "name": "Example"}"#)
            .replacingOccurrences(
                of: #"["https://www.w3.org/ns/credentials/v2"]"#,
                with: #"["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]"#
            )
            .replacingOccurrences(of: #""statusPurpose": "revocation""#, with: #""statusPurpose": ["revocation", "suspension"]"#)
            .replacingOccurrences(of: #""validFrom""#, with: #""proof": {"type": "DataIntegrityProof"}, "validFrom""#)
        let credential = try decodeCredential(json)
        #expect(credential.issuer == "did:example:12345")
        #expect(credential.context.count == 2)
        #expect(credential.credentialSubject.statusPurpose == .many([.revocation, .suspension]))
    }
}
