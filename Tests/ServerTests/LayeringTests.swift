import Foundation
import Testing

/// The Server module's folders are layers; what each may import is checked here, so that a new `import` across a
/// layer boundary fails a test instead of waiting for a reader to notice.
///
/// - `Domain/`: rules, errors and keys; no HTTP, no NIO, nothing of the layers above it.
/// - `Publication/`: signed bytes; no HTTP (`NIOCore` only for `ByteBuffer`, the bytes every response shares); it may
///   use Domain's rules, never a service.
/// - `Services/`: what the controllers call (status, registry, tokens): Domain's rules plus Publication; no HTTP.
/// - `HTTP/`: Hummingbird controllers, middleware, problem mapping, negotiation and the prepared responses; no channel
///   handler (NIO's pipeline is the next two folders' business).
/// - `FastPath/` and `Connection/`: the NIO pipeline (the fast path, the child channel, connection guards).
/// - `Web/`: the pages for people: controllers over the services (no database driver, no NIO pipeline), and the only
///   folder that may use the `Client` verifier, the `Mustache` templates and the `MultipartKit` form parser.
@Suite struct LayeringTests {
    static let serverSources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Server")

    static let http: Set<String> = ["Hummingbird", "HummingbirdCore", "HTTPTypes", "NIOHTTPTypes", "NIOHTTP1"]
    static let forbidden: [(folder: String, modules: Set<String>)] = [
        ("Domain", http.union(["NIOCore", "NIOPosix"])),
        ("Publication", http),
        ("Services", http),
        ("HTTP", ["NIOPosix", "Client", "Mustache", "MultipartKit"]),
        ("Web", ["NIOPosix", "GRDB", "PostgresStore", "PostgresNIO"]),
    ]

    /// Only `Web/` may import the verifier library, the template engine and the multipart parser: the API and the
    /// publication never do.
    @Test(arguments: ["Domain", "Publication", "Services", "FastPath", "Connection", "."])
    func onlyWebUsesClientAndMustache(folder: String) throws {
        for (file, module) in try Self.imports(in: folder) where ["Client", "Mustache", "MultipartKit"].contains(module) {
            Issue.record("\(folder)/\(file) imports \(module); only Web/ may")
        }
    }

    static func imports(in folder: String) throws -> [(file: String, module: String)] {
        let directory = serverSources.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().filter { $0.hasSuffix(".swift") }.flatMap {
            file in
            try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n")
                .compactMap { line -> (String, String)? in
                    let words = line.split(separator: " ")
                    guard let importIndex = words.firstIndex(of: "import"), importIndex + 1 < words.count,
                        words[..<importIndex].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "package"].contains($0) })
                    else { return nil }
                    return (file, String(words[importIndex + 1]))
                }
        }
    }

    @Test(arguments: forbidden.map(\.folder))
    func folderImportsOnlyWhatItsLayerMay(folder: String) throws {
        let modules = try #require(Self.forbidden.first { $0.folder == folder }?.modules)
        let found = try Self.imports(in: folder)
        #expect(!found.isEmpty, "no sources read in \(folder)")
        for (file, module) in found where modules.contains(module) {
            Issue.record("\(folder)/\(file) imports \(module), which its layer must not use")
        }
    }

    @Test func onlyFastPathAndConnectionHoldChannelHandlers() throws {
        for folder in ["Domain", "Publication", "Services", "HTTP", "Web"] {
            let directory = Self.serverSources.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
                let code = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for role in ["ChannelInboundHandler", "ChannelOutboundHandler", "ChannelDuplexHandler", "ServerChildChannel"]
                where code.contains(role) {
                    Issue.record("\(folder)/\(file) is a NIO \(role); it belongs in FastPath/ or Connection/")
                }
            }
        }
    }

    /// Layers depend downwards only: Domain ← Publication ← Services ← HTTP. A type named across the wrong way is a cycle.
    @Test(arguments: [
        ("Domain", ["Publisher", "PublicationHealth", "PublishedList", "SignedPublicationBuilder", "LowPriorityWorker", "PublishDirectory", "StatusService", "RegistryService", "Tokens<"]),
        ("Publication", ["StatusService", "RegistryService", "Tokens<"]),
        ("Services", ["WebController", "WebPage", "WebCredentialChecker", "RegistryPages", "WebResources"]),
        ("HTTP", ["WebController", "WebPage", "WebCredentialChecker", "RegistryPages", "WebResources"]),
    ])
    func layersNameNoTypeOfTheLayersAbove(folder: String, above: [String]) throws {
        let directory = Self.serverSources.appendingPathComponent(folder)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
            let code = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            for name in above where code.range(of: "\\b" + NSRegularExpression.escapedPattern(for: name), options: .regularExpression) != nil {
                Issue.record("\(folder)/\(file) uses \(name), a type of a layer above it")
            }
        }
    }

    @Test func publicationAndDomainNameNoHTTPType() throws {
        let httpTypes = ["PreparedResponse", "PreparedStatusReads", "ContentNegotiation", "HTTPFields", "StatusFastPathHandler"]
        for folder in ["Domain", "Publication", "Services"] {
            let directory = Self.serverSources.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
                let code = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                    .split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
                for name in httpTypes where code.contains(name) {
                    Issue.record("\(folder)/\(file) uses \(name) outside a comment")
                }
            }
        }
    }
}
