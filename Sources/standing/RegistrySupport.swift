import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Signing
import TrustRegistry

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Public (unauthenticated) reads of the registry views, and the helpers the registry commands share.
struct RegistryReader {
    let options: ConnectionOptions

    /// GETs `path` and returns the body; a problem+json answer becomes a ``CLIError`` with its detail.
    func get(_ path: String, accept: String = "application/json") async throws -> Data {
        try await options.exchange(.GET, path, headers: [("Accept", accept)])
    }

    /// GETs `path` and parses the JSON body.
    func getJSON(_ path: String) async throws -> JSONValue {
        let data = try await get(path)
        do {
            return try JSONValue(parsing: data)
        } catch {
            throw CLIError("GET \(path): the answer is not JSON: \(error.reason)")
        }
    }

    /// The registry's event log after `after`, every page.
    /// - Returns: The head the server reported last and the events in order.
    func log(after: Int = 0) async throws -> (head: Int, events: [RegistryEvent]) {
        var events = [RegistryEvent]()
        var cursor = after
        var head = 0
        while true {
            let page = try await getJSON("/registry/v1/log?after=\(cursor)&limit=1000")
            head = page["head"]?.integerValue ?? head
            let items = page["events"]?.arrayValue ?? []
            for item in items {
                do {
                    events.append(try item.decode(RegistryEvent.self))
                } catch {
                    throw CLIError("the log holds an event that does not parse: \(error.reason)")
                }
            }
            guard let last = events.last, !items.isEmpty, last.seq > cursor, last.seq < head else { break }
            cursor = last.seq
        }
        return (head, events)
    }

    /// The registry state rebuilt locally from the public log (every signature and hash re-verified).
    func replayedState() async throws -> RegistryState {
        let log = try await log()
        do {
            return try RegistryState.replay(log.events)
        } catch {
            throw CLIError("the registry log does not verify: \(error.reason)")
        }
    }

    /// Every page of an EBSI collection (`items`), following `page[after]` cursors.
    func ebsiItems(_ path: String, cursor: (JSONValue) -> String?) async throws -> [JSONValue] {
        var items = [JSONValue]()
        var after: String?
        while true {
            var query = "page[size]=100"
            if let after { query += "&page[after]=" + percentEncoded(after) }
            let page = try await getJSON(path + "?" + query)
            let batch = page["items"]?.arrayValue ?? []
            items += batch
            let total = page["total"]?.integerValue ?? 0
            guard !batch.isEmpty, items.count < total, let next = batch.last.flatMap(cursor) else { break }
            after = next
        }
        return items
    }
}

/// Percent-encodes a path segment or query value (everything but unreserved characters and ':').
func percentEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}

/// Submits a signed statement; returns the recorded `{seq, hash, kind, target}`.
func submitStatement(_ jws: String, connection: ConnectionOptions) async throws -> [String: Any] {
    let result = try await AdminClient(options: connection).send(.POST, "/admin/registry/statements", body: ["statement": jws])
    return result as? [String: Any] ?? [:]
}

/// Builds a statement, signs it here with the signer's private key (under the key id the registry knows for the
/// signer, see ``signingKeyID(did:key:fileKid:registered:)``) and submits it.
/// - Returns: The recorded `{seq, hash, kind, target}`.
/// - Throws: A one-line ``CLIError`` when the statement cannot be built or signed; the server's refusal otherwise.
func signAndSubmit(
    signer did: String, key: SigningKey, fileKid: String, registered: Entity?, connection: ConnectionOptions,
    _ build: () throws(RegistryError) -> RegistryStatement
) async throws -> [String: Any] {
    let jws: String
    do {
        jws = try build().sign(with: key, keyID: signingKeyID(did: did, key: key, fileKid: fileKid, registered: registered))
    } catch {
        throw registryFailure(error)
    }
    return try await submitStatement(jws, connection: connection)
}

/// Turns a `RegistryError` from a statement builder into a one-line CLI error.
func registryFailure(_ error: RegistryError) -> CLIError {
    CLIError("\(error.code): \(error.reason)")
}

// MARK: Keys

/// Reads a private JWK file (as `standing keys generate` writes it).
func readSigningKey(_ path: String) throws -> (key: SigningKey, kid: String) {
    let jwk = try readJWK(path)
    guard jwk.isPrivate else { throw CLIError("\(path) holds a public key; signing needs the private JWK") }
    do {
        let key = try SigningKey(jwk: jwk)
        return (key, jwk.kid ?? key.verificationKey.thumbprint)
    } catch {
        throw CLIError("\(path) is not a usable private key: \(error.reason)")
    }
}

/// Reads a public JWK from a file (a JWK or a JWKS's first key). A private key is refused: where a public key is
/// asked for, the file is usually someone else's, and a private one there means it has left its owner's machine.
func readPublicJWK(_ path: String) throws -> JWK {
    let file = try readJWK(path)
    guard !file.isPrivate else {
        let stem = (path as NSString).deletingPathExtension
        throw CLIError(
            "\(path) holds a private key, which stays with its owner: give its public part "
                + "(`standing keys public \(path) > \(stem).pub.jwk`)")
    }
    let jwk = file.publicKey
    do {
        _ = try VerificationKey(jwk: jwk)
    } catch {
        throw CLIError("\(path) is not a usable public key: \(error.reason)")
    }
    return jwk
}

func readJWK(_ path: String) throws -> JWK {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw CLIError("cannot read \(path): \(error.localizedDescription)")
    }
    do {
        let document = try JSONValue(parsing: data)
        if let first = document["keys"]?.arrayValue?.first { return try first.decode(JWK.self) }
        return try document.decode(JWK.self)
    } catch {
        throw CLIError("\(path) is not a JWK: \(error.reason)")
    }
}

/// The DID URL to sign as `did` with `key`: the registered key that matches, else the key file's own `kid` (the
/// registry then refuses the statement, which is the honest outcome for an unregistered key).
func signingKeyID(did: String, key: SigningKey, fileKid: String, registered: Entity?) -> String {
    let match = registered?.keys.first { (try? VerificationKey(jwk: $0)) == key.verificationKey }
    return did + "#" + (match?.kid ?? fileKid)
}

/// Pretty, sorted JSON with a final newline, as the CLI writes JWK files and prints them.
func prettyJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value) + Data("\n".utf8)
}

/// Creates `path` as a folder with mode 0700 unless it exists.
func createPrivateFolder(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CLIError("\(path) exists and is not a folder") }
        return
    }
    guard mkdir(path, 0o700) == 0 else { throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))") }
}

/// Writes `data` to a new file with mode 0600; refuses to overwrite.
func writeSecretFile(_ path: String, _ data: Data) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else {
        if errno == EEXIST { throw CLIError("\(path) exists; refusing to overwrite a key file") }
        throw CLIError("cannot create \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == data.count else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
}

// MARK: Vocabulary and dates

/// Splits repeated and comma-separated values.
func splitValues(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// EQF levels: URIs, `6`, or ranges `5-8`.
func eqfLevels(_ values: [String]) throws -> Set<String> {
    var levels = Set<String>()
    for value in splitValues(values) {
        if value.contains("://") {
            levels.insert(value)
        } else if let level = Int(value), (1...8).contains(level) {
            levels.insert(RegistryVocabulary.eqfLevel(level))
        } else if let dash = value.firstIndex(of: "-"), let low = Int(value[..<dash]), let high = Int(value[value.index(after: dash)...]),
            1 <= low, low <= high, high <= 8
        {
            for level in low...high { levels.insert(RegistryVocabulary.eqfLevel(level)) }
        } else {
            throw CLIError("--eqf: '\(value)' is not an EQF level (1-8, a range like 5-8, or \(RegistryVocabulary.eqfPrefix)N)")
        }
    }
    return levels
}

/// Jurisdictions: URIs or ISO 3166-1 alpha-3 codes (`ESP`).
func jurisdictions(_ values: [String]) throws -> Set<String> {
    Set(
        try splitValues(values).map { value in
            if value.contains("://") { return value }
            guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw CLIError("--jurisdiction: '\(value)' is neither a URI nor an ISO 3166-1 alpha-3 code like ESP")
            }
            return RegistryVocabulary.country(value.uppercased())
        }
    )
}

/// ISCED-F fields: URIs or 2-4 digit codes (`0613`).
func iscedFields(_ values: [String]) throws -> Set<String> {
    Set(
        try splitValues(values).map { value in
            if value.contains("://") { return value }
            guard (2...4).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw CLIError("--isced: '\(value)' is neither a URI nor an ISCED-F code like 0613")
            }
            return RegistryVocabulary.iscedF(value)
        }
    )
}

/// The EU-27 as country URIs: the default ceiling of a root authority.
let euMemberStates = [
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA", "LVA", "LTU", "LUX",
    "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
]

/// An ISO 8601 date (`2026-01-01`, midnight UTC) or RFC 3339 date-time.
func parseRegistryDate(_ text: String, option: String) throws -> Date {
    let bytes = Array(text.utf8)
    let candidate = bytes.count == 10 ? text + "T00:00:00Z" : text
    do {
        return try RegistryTime.parse(candidate)
    } catch {
        throw CLIError("\(option): '\(text)' is not a date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)")
    }
}

/// Display names: `Name` (English) or `lang=Name`, repeatable.
func displayNames(_ values: [String]) -> [String: String] {
    var names = [String: String]()
    for value in values {
        if let equals = value.firstIndex(of: "="), (2...8).contains(value.distance(from: value.startIndex, to: equals)),
            value[..<equals].allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") })
        {
            names[String(value[..<equals])] = String(value[value.index(after: equals)...])
        } else {
            names["en"] = value
        }
    }
    return names
}

/// The website a `did:web` implies (`https://host`), for a default.
func didWebSite(_ did: String) -> String? {
    guard did.hasPrefix("did:web:") else { return nil }
    let host = did.dropFirst("did:web:".count).split(separator: ":").first.map { $0.replacingOccurrences(of: "%3A", with: ":") }
    return host.map { "https://" + $0 }
}

/// One-line summary of a scope entry.
func describe(_ scope: Scope) -> String {
    func short(_ values: Set<String>, _ prefix: String) -> String {
        values.sorted().map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }.joined(separator: ",")
    }
    var parts = [String]()
    if !scope.credentialTypes.isEmpty { parts.append("types " + scope.credentialTypes.sorted().joined(separator: ",")) }
    if !scope.schemaIds.isEmpty { parts.append("schemas " + scope.schemaIds.sorted().joined(separator: ",")) }
    parts.append("EQF " + short(scope.eqfLevels, RegistryVocabulary.eqfPrefix))
    parts.append("jurisdiction " + short(scope.jurisdictions, RegistryVocabulary.countryPrefix))
    parts.append("ISCED-F " + (scope.iscedF.isEmpty ? "any" : short(scope.iscedF, RegistryVocabulary.iscedFPrefix)))
    return parts.joined(separator: "; ")
}

/// Scope and period flags shared by `registry init`, `bodies add` and `accredit`.
struct ScopeOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "Credential types (repeat or comma-separate).") var types: [String] = []
    @Option(parsing: .upToNextOption, help: "Credential schema id URIs.") var schema: [String] = []
    @Option(parsing: .upToNextOption, help: "EQF levels: 6, 5-8 or http://data.europa.eu/snb/eqf/6.") var eqf: [String] = []
    @Option(parsing: .upToNextOption, help: "Jurisdictions: ESP or the EU country URI.") var jurisdiction: [String] = []
    @Option(parsing: .upToNextOption, help: "ISCED-F fields: 0613 or the URI; none means any field.") var isced: [String] = []
    @Option(help: "Start of the period: 2026-01-01 or a date-time (default now).") var from: String?
    @Option(help: "End of the period: 2030-01-01 or a date-time.") var until: String?

    /// The scope entry the flags describe; `defaults` fill dimensions left empty.
    func scope(defaultTypes: [String] = [], defaultEQF: [String] = [], defaultJurisdictions: [String] = []) throws -> Scope {
        let typeValues = splitValues(types.isEmpty ? defaultTypes : types)
        let entry = Scope(
            credentialTypes: Set(typeValues),
            schemaIds: Set(splitValues(schema)),
            eqfLevels: try eqfLevels(eqf.isEmpty ? defaultEQF : eqf),
            jurisdictions: try jurisdictions(jurisdiction.isEmpty ? defaultJurisdictions : jurisdiction),
            iscedF: try iscedFields(isced)
        )
        do {
            try entry.validate()
        } catch {
            throw registryFailure(error)
        }
        return entry
    }

    /// The period; `defaultYears` after the start when --until is absent (nil: --until required).
    func period(defaultYears: Int? = nil) throws -> (from: Date, until: Date) {
        let start = try from.map { try parseRegistryDate($0, option: "--from") } ?? RegistryTime.truncated(Date())
        if let until { return (start, try parseRegistryDate(until, option: "--until")) }
        guard let defaultYears else { throw CLIError("--until is required") }
        return (start, start.addingTimeInterval(TimeInterval(defaultYears) * 365.25 * 86_400).rounded())
    }
}

extension Date {
    fileprivate func rounded() -> Date { RegistryTime.truncated(self) }
}

/// Entity flags shared by `registry init`, `bodies add` and `accredit`.
struct EntityOptions: ParsableArguments {
    @Option(help: "Display name; 'lang=Name' for other languages (repeatable).") var name: [String] = []
    @Option(help: "ISO 3166-1 alpha-2 country code (EU for European bodies).") var country: String?
    @Option(help: "The entity's https website (default https://HOST for a did:web).") var website: String?
    @Option(help: "Contact e-mail.") var email: String?

    /// The entity, validated and normalised (keys get their kid).
    func entity(did: String, role: EntityRole, key: JWK, defaultName: String? = nil, defaultCountry: String? = nil) throws -> Entity {
        var names = displayNames(name)
        if names.isEmpty, let defaultName { names["en"] = defaultName }
        guard !names.isEmpty else { throw CLIError("--name is required to register \(did)") }
        guard let country = country ?? defaultCountry else { throw CLIError("--country is required to register \(did)") }
        guard let website = website ?? didWebSite(did) else { throw CLIError("--website is required to register \(did)") }
        let draft = Entity(did: did, role: role, keys: [key], names: names, country: country.uppercased(), website: website, email: email)
        do {
            return try draft.validated()
        } catch {
            throw registryFailure(error)
        }
    }
}
