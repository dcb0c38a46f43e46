import Foundation
import StatusList
import Testing

@testable import Server

@Suite struct ServerConfigurationTests {
    @Test func defaultsAreValid() throws {
        let configuration = ServerConfiguration()
        try configuration.validate()
        #expect(configuration.compressionSegmentBytes == SegmentedCompressedList.defaultSegmentBytes)
        #expect(configuration.effectiveBaseURL == "http://127.0.0.1:8080")
    }

    @Test(
        "out-of-range settings are refused, naming the setting",
        arguments: [
            ("port", "70000", "port"),
            ("publicationWindowMilliseconds", "60001", "publication window"),
            ("historyVersions", "0", "history versions"),
            ("w3cCompressionLevel", "10", "compression levels"),
            ("ietfCompressionLevel", "-1", "compression levels"),
            ("compressionSegmentBytes", "1023", "compression segment size"),
            ("compressionSegmentBytes", "67108865", "compression segment size"),
            ("baseURL", "ftp://status.example.com", "base URL"),
            ("defaultValiditySeconds", "100", "default validity"),
        ])
    func outOfRange(key: String, value: String, mentions: String) throws {
        var configuration = ServerConfiguration()
        try configuration.apply(key, value, source: "test")
        let error = #expect(throws: ServiceError.self) { try configuration.validate() }
        #expect(error?.code == .invalidValue)
        #expect(error?.detail.contains(mentions) == true, "\(String(describing: error))")
    }

    /// Flags beat STANDING_* variables, which beat the config file, which beats the defaults.
    @Test func overridesBeatTheEnvironmentWhichBeatsTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("standing-config-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"port": 9001, "host": "::1", "publicationWindowMilliseconds": 300}"#.utf8).write(to: file)
        let environment = ["STANDING_CONFIG": file.path, "STANDING_PORT": "9002"]
        let fromFileAndEnvironment = try ServerConfiguration.resolved(ServerConfiguration.Overrides(), environment: environment)
        #expect(fromFileAndEnvironment.port == 9002 && fromFileAndEnvironment.host == "::1")
        #expect(fromFileAndEnvironment.publicationWindowMilliseconds == 300)
        let flagged = try ServerConfiguration.resolved(ServerConfiguration.Overrides(port: 9003, directLookup: false), environment: environment)
        #expect(flagged.port == 9003 && flagged.directLookup == false && flagged.host == "::1")
        #expect(throws: ServiceError.self) {
            try ServerConfiguration.resolved(ServerConfiguration.Overrides(logLevel: "loud"), environment: environment)
        }
    }

    @Test(arguments: [("1.3.6.1.5.5.7.3.31", true), ("2.5", true), ("0.0", true), ("1", false), ("1.03.4", false), ("1..2", false), ("a.b", false), ("1.2.", false)])
    func statusSigningUsageIsADottedOID(text: String, valid: Bool) {
        var configuration = ServerConfiguration()
        #expect(((try? configuration.apply("statusSigningUsage", text, source: "test")) != nil) == valid)
        if valid { #expect(configuration.statusSigningUsage == text) }
    }

    @Test func environmentAndFileApply() throws {
        var configuration = ServerConfiguration()
        try configuration.applyEnvironment([
            "STANDING_COMPRESSION_SEGMENT_BYTES": "65536", "STANDING_IETF_COMPRESSION_LEVEL": "6", "UNRELATED": "x",
        ])
        #expect(configuration.compressionSegmentBytes == 65_536)
        #expect(configuration.ietfCompressionLevel == 6)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("standing-config-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"compressionSegmentBytes": 16384, "directLookup": false, "logLevel": "debug"}"#.utf8).write(to: file)
        try configuration.applyFile(at: file.path)
        #expect(configuration.compressionSegmentBytes == 16_384)
        #expect(configuration.directLookup == false)
        try configuration.validate()

        // Every key of the settings table is one apply() knows, and nothing else is accepted.
        for setting in ServerConfiguration.settings {
            var probe = ServerConfiguration()
            let value = [
                "directLookup": "true", "statusAggregation": "true", "lowPriorityWrites": "false", "requireAccreditation": "true", "web": "false", "logLevel": "info", "baseURL": "https://s.example",
                "host": "::1", "dataDirectory": "/tmp/x", "statusSigningUsage": "1.3.6.1.5.5.7.3.31",
            ]
            try probe.apply(setting.key, value[setting.key] ?? "1024", source: "test")
        }
        #expect(throws: ServiceError.self) { try configuration.apply("compressionSegmentByte", "1024", source: "test") }
        #expect(throws: ServiceError.self) { try configuration.apply("compressionSegmentBytes", "32k", source: "test") }
    }
}
