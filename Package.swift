// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The public web pages' files (Sources/Server/Web/Resources), each compiled into the binary as
/// `PackageResources.<name>_<extension>`; names are unique across folders.
let webResources: [String] =
    ["layout", "check", "verdict", "accreditation", "issuers", "issuer", "registry", "list", "error"].map { "templates/\($0).mustache" }
    + ["en", "es", "fr", "de"].map { "strings/\($0).json" } + ["standing.css"]

let package = Package(
    name: "standing",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StatusList", targets: ["StatusList"]),
        .library(name: "Signing", targets: ["Signing"]),
        .library(name: "HardwareKeys", targets: ["HardwareKeys"]),
        .library(name: "StatusListSecuring", targets: ["StatusListSecuring"]),
        .library(name: "TrustRegistry", targets: ["TrustRegistry"]),
        .library(name: "StandingAPI", targets: ["StandingAPI"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .library(name: "Client", targets: ["Client"]),
        .library(name: "Server", targets: ["Server"]),
        .executable(name: "standing", targets: ["standing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The text encodings every wire format shares: base64url (encode, strict decode) and the civil-date
        // arithmetic of RFC 3339 / XML Schema / HTTP-date texts (pure, no dependencies).
        .target(name: "WireEncoding"),
        .target(name: "StatusList", dependencies: ["CZlib", "WireEncoding"]),
        .target(
            name: "Signing",
            dependencies: [
                "WireEncoding",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(name: "StatusListSecuring", dependencies: ["StatusList", "Signing"]),
        // The PKCS#11 header as Debian ships it (libp11-kit-dev), and nothing else: token modules are opened at run
        // time. No pkgConfig: p11-kit-1.pc's Libs would link libp11-kit into the binary, which calls nothing in it;
        // the shim finds the header under /usr/include and names the package when it is missing.
        .systemLibrary(name: "CPKCS11", providers: [.apt(["libp11-kit-dev"])]),
        // Signing keys held in an HSM (PKCS#11 module loaded with dlopen), as Signing's ExternalSigner.
        .target(
            name: "HardwareKeys",
            dependencies: ["CPKCS11", "Signing", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // StatusList for its hardened DEFLATE: the wallet snapshot's payload is compressed (JOSE `zip` `DEF`).
        .target(
            name: "TrustRegistry",
            dependencies: ["Signing", "WireEncoding", "StatusList", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The admin API's wire types (requests, answers, problem details): what the server encodes and the client
        // decodes. StatusList only for the values an answer embeds (status entries, status claims, message tables).
        .target(name: "StandingAPI", dependencies: ["StatusList", "Signing"]),
        .target(
            name: "Client",
            dependencies: [
                "StatusList", "Signing", "StatusListSecuring", "TrustRegistry", "StandingAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOConnectionError: the admin client words a failed connection (refused, unresolved) for the user.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Store",
            // StandingAPI: the store keeps records in the API's vocabulary (purpose, role, audit records).
            dependencies: ["StatusList", "Signing", "StandingAPI", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The PostgreSQL implementation of the store protocols, apart so SQLite-only code does not link postgres-nio.
        .target(
            name: "PostgresStore",
            dependencies: [
                "Store", "StatusList", "StandingAPI",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Server",
            dependencies: [
                "WireEncoding", "StatusList", "Signing", "StatusListSecuring", "TrustRegistry", "Store", "StandingAPI", "PostgresStore",
                "HardwareKeys",
                // Web/ only: the public pages check credentials with the verifier `standing verify` uses, over loopback,
                // render with Mustache and read uploaded files with MultipartKit.
                "Client",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Compiled into the binary (PackageResources.openapi_json): nothing to install beside the executable.
            // The web pages' templates, strings and style sheet likewise, so a copied executable still serves them.
            resources: [.embedInCode("Resources/openapi.json")] + webResources.map { .embedInCode("Web/Resources/" + $0) }
        ),
        .executableTarget(
            name: "standing",
            dependencies: [
                // Parsing and printing only: HTTP goes through Client's StandingAdminClient, serving and the data
                // directory through Server. Logging: the db commands choose how much the maintenance functions say.
                "StatusList", "Signing", "TrustRegistry", "Server", "Client", "StandingAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Child processes for tests, spawned and awaited without blocking Swift's concurrency pool.
        .target(name: "ProcessTestSupport", path: "Tests/ProcessTestSupport"),
        .testTarget(name: "WireEncodingTests", dependencies: ["WireEncoding"]),
        .testTarget(name: "StatusListTests", dependencies: ["StatusList", "WireEncoding", "ProcessTestSupport"], resources: [.copy("Vectors")]),
        .testTarget(
            name: "SigningTests",
            dependencies: [
                "Signing",
                .product(name: "Crypto", package: "swift-crypto"),
                // Interoperability check only: our JWS is verified by jwt-kit and vice versa.
                .product(name: "JWTKit", package: "jwt-kit"),
                // Reading back our CSRs and certificates independently of the code under test, and building test CAs.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "StatusListSecuringTests",
            dependencies: [
                "StatusListSecuring", "Signing", "StatusList",
                // Test CAs for the x5c chain checks: root, intermediate and leaves with chosen extended key usages.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Vectors")]
        ),
        // A throw-away SoftHSM2 token store shared by every test of the process (SoftHSM2 reads its configuration once).
        .target(name: "SoftHSMTestSupport", dependencies: ["ProcessTestSupport"], path: "Tests/SoftHSMTestSupport"),
        .testTarget(name: "HardwareKeysTests", dependencies: ["HardwareKeys", "CPKCS11", "Signing", "SoftHSMTestSupport"]),
        // The in-process server and CLI-process harness shared by the server and client tests.
        .target(
            name: "StandingTestSupport",
            dependencies: [
                "Server", "Store", "ProcessTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/StandingTestSupport"
        ),
        .testTarget(name: "TrustRegistryTests", dependencies: ["TrustRegistry", "Signing", "ProcessTestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "PostgresStore", "StatusList", "StandingAPI"]),
        .testTarget(
            name: "ClientTests",
            dependencies: [
                "Client", "Server", "Store", "StatusList", "Signing", "StatusListSecuring", "TrustRegistry", "StandingTestSupport", "StandingAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Store", "StatusList", "Signing", "StatusListSecuring", "TrustRegistry", "StandingTestSupport", "standing", "Client",
                "StandingAPI", "PostgresStore", "HardwareKeys", "SoftHSMTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
