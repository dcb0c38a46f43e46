import Foundation
import Logging
import PostgresStore
import StatusList
import Store

/// Everything `standing serve` can be told. Resolved from flags, then environment variables
/// (`STANDING_*`), then an optional JSON config file, then these defaults.
public struct ServerConfiguration: Sendable, Equatable {
    public var dataDirectory = "./standing-data"
    /// The database: nil for the embedded SQLite file in the data directory (the default), or a PostgreSQL URL
    /// `postgres://USER@HOST:PORT/DATABASE` (never with a password in it).
    public var database: String?
    /// A file holding the PostgreSQL password (first line); without it the password comes from `PGPASSWORD`.
    public var databasePasswordFile: String?
    public var host = "127.0.0.1"
    public var port = 8080
    /// The public base URL; derived from host and port when nil.
    public var baseURL: String?
    /// Coalescing window for publications, milliseconds. 0 publishes after every commit.
    public var publicationWindowMilliseconds = 200
    /// Recent publications kept in memory per list for historical reads.
    public var historyVersions = 16
    /// Default verifier cache time of new lists, seconds.
    public var defaultTTLSeconds = 300
    /// Default validity of each publication, seconds.
    public var defaultValiditySeconds = 86_400
    /// Whether the per-entry lookup endpoints answer (see README: herd privacy).
    public var directLookup = true
    /// Whether the Status List Aggregation is published (draft-ietf-oauth-status-list §9): `/status/aggregation`, each
    /// token's `aggregation_uri` and the `status_list_aggregation_endpoint` metadata. Off is one of the draft's privacy
    /// mitigations (§12): outsiders then cannot enumerate the lists.
    public var statusAggregation = true
    /// Whether administrative requests (`/admin`, `/credentials`) run on the write lane, one thread at nice 19, so
    /// that writes take the CPU only when status reads leave it idle (``WriteLane``). Off runs them on Swift's
    /// global executor like every other request: for a host where other busy processes at normal priority share the
    /// CPU without cgroup weights, and where writes must not wait for them.
    public var lowPriorityWrites = true
    /// zlib level of the W3C (gzip) and IETF (zlib) encodings, 0-9. IETF recommends the highest level; level 9
    /// costs 12-19x level 6's time for 13% fewer bytes (Benchmarks/results/core.md), so W3C defaults to 6.
    public var w3cCompressionLevel = 6
    public var ietfCompressionLevel = 9
    /// Uncompressed bytes per independently compressed segment (1024 or more). A change recompresses one segment;
    /// smaller segments republish faster and compress a little worse (Benchmarks/results/publication.md).
    public var compressionSegmentBytes = SegmentedCompressedList.defaultSegmentBytes
    /// Lists one issuer principal may own (issuer tokens are refused beyond it with 403; operator tokens are not).
    public var maxListsPerIssuer = IssuerQuotas().maximumLists
    /// Entries one issuer principal may own, summed over its lists' capacities.
    public var maxEntriesPerIssuer = IssuerQuotas().maximumEntries
    /// Whether issuer tokens create lists, allocate entries and change statuses only while their principal is an
    /// active accredited issuer in this server's trust registry (``AccreditationRequirement``); operator tokens are
    /// not held to it.
    public var requireAccreditation = false
    /// Whether the public web pages for people are served (`/`, `/check`, `/issuers`, `/registry`, `/lists/{id}`):
    /// checking a credential in a browser and finding accredited issuers. Off leaves the machine API alone.
    public var web = true
    public var logLevel: Logger.Level = .info
    /// How long a client may take to send a request's header block, from its first byte (or from connecting),
    /// milliseconds. A late header block is answered 408 and the connection closed.
    public var headerTimeoutMilliseconds = 10_000
    /// How long a client may take to send a request body, from the end of its header block, milliseconds. 30 s
    /// carries the largest accepted body (8 MiB) at about 2.2 Mbit/s.
    public var bodyTimeoutMilliseconds = 30_000
    /// How long a kept-alive connection may wait for its next request, and a response in progress may make no
    /// progress (a client that does not read), milliseconds. Longer than the 60 s after which common client pools
    /// (AsyncHTTPClient's among them) drop idle connections, so a client does not reuse one the server is closing.
    public var idleTimeoutMilliseconds = 75_000
    /// Open HTTP connections at most; above it new connections wait in the listen backlog. Lowered at start to fit
    /// the process's open-file limit.
    public var maxConnections = 4096
    /// A directory that receives every publication's files (and the key documents) for a static web server or CDN
    /// origin (ops/publish-dir.md); nil writes none.
    public var publishDirectory: String?
    /// The dotted OID of the status-signing extended key usage (`id-kp-oauthStatusSigning`, still `TBD` in
    /// draft-ietf-oauth-status-list): when set, an imported certificate chain whose leaf lacks it is refused; when nil,
    /// imports say that no usage was checked.
    public var statusSigningUsage: String?
    /// The PKCS#11 module of the token that holds the service's signing keys (e.g. `/usr/lib/softhsm/libsofthsm2.so`);
    /// nil keeps the keys in files (`keys/*.jwk`). Needs ``pkcs11TokenLabel`` and ``pkcs11PinFile`` as well.
    public var pkcs11Module: String?
    /// The label of the token in ``pkcs11Module``.
    public var pkcs11TokenLabel: String?
    /// A file holding the token's user PIN (one trailing newline is ignored); never logged.
    public var pkcs11PinFile: String?

    /// The defaults.
    public init() {}

    /// The effective base URL, without a trailing slash.
    public var effectiveBaseURL: String {
        var url = baseURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Checks ranges and the base URL.
    /// - Throws: ``ServiceError`` `invalidValue` naming the setting.
    public func validate() throws {
        guard (0...65_535).contains(port) else { throw ServiceError(.invalidValue, "port must be 0-65535, got \(port)") }
        if let database {
            do {
                _ = try PostgresConnectionSettings(url: database)
            } catch let error as StoreError {
                throw ServiceError(.invalidValue, error.reason)
            }
        }
        guard let url = URL(string: effectiveBaseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
            url.query == nil, url.fragment == nil
        else {
            throw ServiceError(.invalidValue, "base URL must be an http(s) URL without query or fragment, got '\(effectiveBaseURL)'")
        }
        guard (0...60_000).contains(publicationWindowMilliseconds) else {
            throw ServiceError(.invalidValue, "publication window must be 0-60000 ms, got \(publicationWindowMilliseconds)")
        }
        guard (1...1000).contains(historyVersions) else { throw ServiceError(.invalidValue, "history versions must be 1-1000") }
        guard defaultTTLSeconds >= 1, defaultValiditySeconds >= 2 * defaultTTLSeconds else {
            throw ServiceError(.invalidValue, "default validity must be at least twice the default ttl")
        }
        for level in [w3cCompressionLevel, ietfCompressionLevel] where !(0...9).contains(level) {
            throw ServiceError(.invalidValue, "compression levels must be 0-9, got \(level)")
        }
        guard (1...1_000_000).contains(maxListsPerIssuer) else {
            throw ServiceError(.invalidValue, "maxListsPerIssuer must be 1-1000000, got \(maxListsPerIssuer)")
        }
        let entriesRange = Bitstring.w3cMinimumEntries...(1 << 40)
        guard entriesRange.contains(maxEntriesPerIssuer) else {
            throw ServiceError(
                .invalidValue,
                "maxEntriesPerIssuer must be \(entriesRange.lowerBound)-\(entriesRange.upperBound) (at least one list of the "
                    + "W3C minimum size), got \(maxEntriesPerIssuer)")
        }
        for (name, value) in [
            ("header timeout", headerTimeoutMilliseconds), ("body timeout", bodyTimeoutMilliseconds), ("idle timeout", idleTimeoutMilliseconds),
        ] where !(100...3_600_000).contains(value) {
            throw ServiceError(.invalidValue, "\(name) must be 100-3600000 ms, got \(value)")
        }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ServiceError(.invalidValue, "max connections must be 1-1000000, got \(maxConnections)")
        }
        try validatePKCS11()
        let segmentRange = SegmentedCompressedList.minimumSegmentBytes...(64 * 1024 * 1024)
        guard segmentRange.contains(compressionSegmentBytes) else {
            throw ServiceError(
                .invalidValue,
                "compression segment size must be \(segmentRange.lowerBound)-\(segmentRange.upperBound) bytes, got \(compressionSegmentBytes)")
        }
    }

    /// Whether the service's keys are held in a PKCS#11 token (the three `pkcs11*` settings are given).
    public var usesPKCS11: Bool { pkcs11Module != nil }

    /// All three PKCS#11 settings or none; a label PKCS#11 can hold.
    private func validatePKCS11() throws {
        let settings = [
            ("--pkcs11-module", pkcs11Module), ("--pkcs11-token-label", pkcs11TokenLabel), ("--pkcs11-pin-file", pkcs11PinFile),
        ]
        let missing = settings.filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty || missing.count == settings.count else {
            throw ServiceError(
                .invalidValue,
                "keys in a PKCS#11 token need --pkcs11-module, --pkcs11-token-label and --pkcs11-pin-file together "
                    + "(or STANDING_PKCS11_MODULE, _TOKEN_LABEL, _PIN_FILE); \(missing.joined(separator: " and ")) "
                    + "\(missing.count == 1 ? "is" : "are") missing: give all three, or none to keep the keys in files")
        }
        if let label = pkcs11TokenLabel, label.utf8.count > 32 {
            throw ServiceError(.invalidValue, "the PKCS#11 token label '\(label)' is longer than 32 bytes, which no token label can be")
        }
    }

    /// The settings a config file or the environment may carry: file key and environment variable.
    public static let settings: [(key: String, environment: String)] = [
        ("dataDirectory", "STANDING_DATA_DIR"),
        ("database", "STANDING_DATABASE_URL"),
        ("databasePasswordFile", "STANDING_DATABASE_PASSWORD_FILE"),
        ("host", "STANDING_HOST"),
        ("port", "STANDING_PORT"),
        ("baseURL", "STANDING_BASE_URL"),
        ("publicationWindowMilliseconds", "STANDING_PUBLICATION_WINDOW_MS"),
        ("historyVersions", "STANDING_HISTORY_VERSIONS"),
        ("defaultTTLSeconds", "STANDING_DEFAULT_TTL_SECONDS"),
        ("defaultValiditySeconds", "STANDING_DEFAULT_VALIDITY_SECONDS"),
        ("directLookup", "STANDING_DIRECT_LOOKUP"),
        ("statusAggregation", "STANDING_STATUS_AGGREGATION"),
        ("lowPriorityWrites", "STANDING_LOW_PRIORITY_WRITES"),
        ("w3cCompressionLevel", "STANDING_W3C_COMPRESSION_LEVEL"),
        ("ietfCompressionLevel", "STANDING_IETF_COMPRESSION_LEVEL"),
        ("compressionSegmentBytes", "STANDING_COMPRESSION_SEGMENT_BYTES"),
        ("maxListsPerIssuer", "STANDING_MAX_LISTS_PER_ISSUER"),
        ("maxEntriesPerIssuer", "STANDING_MAX_ENTRIES_PER_ISSUER"),
        ("requireAccreditation", "STANDING_REQUIRE_ACCREDITATION"),
        ("web", "STANDING_WEB"),
        ("logLevel", "STANDING_LOG_LEVEL"),
        ("headerTimeoutMilliseconds", "STANDING_HEADER_TIMEOUT_MS"),
        ("bodyTimeoutMilliseconds", "STANDING_BODY_TIMEOUT_MS"),
        ("idleTimeoutMilliseconds", "STANDING_IDLE_TIMEOUT_MS"),
        ("maxConnections", "STANDING_MAX_CONNECTIONS"),
        ("publishDirectory", "STANDING_PUBLISH_DIR"),
        ("statusSigningUsage", "STANDING_STATUS_SIGNING_EKU"),
        ("pkcs11Module", "STANDING_PKCS11_MODULE"),
        ("pkcs11TokenLabel", "STANDING_PKCS11_TOKEN_LABEL"),
        ("pkcs11PinFile", "STANDING_PKCS11_PIN_FILE"),
    ]

    /// Applies string settings (from a file or the environment) by key.
    /// - Throws: ``ServiceError`` naming the key and the bad value.
    public mutating func apply(_ key: String, _ value: String, source: String) throws {
        func int() throws -> Int {
            guard let number = Int(value) else { throw ServiceError(.invalidValue, "\(source): \(key) must be an integer, got '\(value)'") }
            return number
        }
        switch key {
        case "dataDirectory": dataDirectory = value
        // An empty value keeps the default (SQLite; no password file), so a config file can name every setting.
        case "database": database = value.isEmpty ? nil : value
        case "databasePasswordFile": databasePasswordFile = value.isEmpty ? nil : value
        case "host": host = value
        case "port": port = try int()
        case "baseURL": baseURL = value
        case "publicationWindowMilliseconds": publicationWindowMilliseconds = try int()
        case "historyVersions": historyVersions = try int()
        case "defaultTTLSeconds": defaultTTLSeconds = try int()
        case "defaultValiditySeconds": defaultValiditySeconds = try int()
        case "directLookup":
            guard let flag = Bool(value.lowercased()) else { throw ServiceError(.invalidValue, "\(source): \(key) must be true or false") }
            directLookup = flag
        case "statusAggregation":
            guard let flag = Bool(value.lowercased()) else { throw ServiceError(.invalidValue, "\(source): \(key) must be true or false") }
            statusAggregation = flag
        case "lowPriorityWrites":
            guard let flag = Bool(value.lowercased()) else { throw ServiceError(.invalidValue, "\(source): \(key) must be true or false") }
            lowPriorityWrites = flag
        case "w3cCompressionLevel": w3cCompressionLevel = try int()
        case "ietfCompressionLevel": ietfCompressionLevel = try int()
        case "compressionSegmentBytes": compressionSegmentBytes = try int()
        case "maxListsPerIssuer": maxListsPerIssuer = try int()
        case "maxEntriesPerIssuer": maxEntriesPerIssuer = try int()
        case "requireAccreditation":
            guard let flag = Bool(value.lowercased()) else { throw ServiceError(.invalidValue, "\(source): \(key) must be true or false") }
            requireAccreditation = flag
        case "web":
            guard let flag = Bool(value.lowercased()) else { throw ServiceError(.invalidValue, "\(source): \(key) must be true or false") }
            web = flag
        case "logLevel":
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw ServiceError(.invalidValue, "\(source): logLevel must be one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = level
        case "headerTimeoutMilliseconds": headerTimeoutMilliseconds = try int()
        case "bodyTimeoutMilliseconds": bodyTimeoutMilliseconds = try int()
        case "idleTimeoutMilliseconds": idleTimeoutMilliseconds = try int()
        case "maxConnections": maxConnections = try int()
        // Empty writes no files, so a config file can name every setting.
        case "publishDirectory": publishDirectory = value.isEmpty ? nil : value
        case "statusSigningUsage":
            guard value.isEmpty || Self.isDottedOID(value) else {
                throw ServiceError(.invalidValue, "\(source): statusSigningUsage must be a dotted OID such as 1.3.6.1.5.5.7.3.31, got '\(value)'")
            }
            statusSigningUsage = value.isEmpty ? nil : value
        // Empty keeps the keys in files, so a config file can name every setting.
        case "pkcs11Module": pkcs11Module = value.isEmpty ? nil : value
        case "pkcs11TokenLabel": pkcs11TokenLabel = value.isEmpty ? nil : value
        case "pkcs11PinFile": pkcs11PinFile = value.isEmpty ? nil : value
        default: throw ServiceError(.invalidValue, "\(source): unknown setting '\(key)'")
        }
    }

    /// Whether `text` is an object identifier in dotted decimal notation (at least two arcs, no leading zeros).
    static func isDottedOID(_ text: String) -> Bool {
        let arcs = text.split(separator: ".", omittingEmptySubsequences: false)
        return arcs.count >= 2 && arcs.count <= 32
            && arcs.allSatisfy { arc in !arc.isEmpty && arc.count <= 20 && arc.allSatisfy { $0.isASCII && $0.isNumber } && (arc == "0" || arc.first != "0") }
    }

    /// A config file value: JSON string, integer or boolean.
    private enum FileValue: Decodable {
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .text(flag ? "true" : "false")
            } else if let number = try? container.decode(Int.self) {
                self = .text(String(number))
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    /// Reads a JSON config file: an object whose members are the keys of ``settings``.
    public mutating func applyFile(at path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ServiceError(.invalidValue, "cannot read config file \(path)")
        }
        let object: [String: FileValue]
        do { object = try JSONDecoder().decode([String: FileValue].self, from: data) } catch {
            throw ServiceError(.invalidValue, "config file \(path) must be a JSON object of strings, integers and booleans")
        }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard case .text(let text) = value else { continue }
            try apply(key, text, source: "config file \(path)")
        }
    }

    /// Reads the `STANDING_*` variables of ``settings``.
    public mutating func applyEnvironment(_ environment: [String: String]) throws {
        for setting in Self.settings {
            if let value = environment[setting.environment] { try apply(setting.key, value, source: "environment \(setting.environment)") }
        }
    }
}
