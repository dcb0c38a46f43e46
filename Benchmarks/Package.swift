// swift-tools-version:6.1
import PackageDescription

// A separate package so that the root package's `swift build` / `swift test` never compile the benchmarks.
// Run everything with `./run-core.sh`, or only the ordo-one suite with `swift package benchmark`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // name: is required: a path dependency's identity is otherwise the directory name of the clone.
        .package(name: "standing", path: ".."),
        // The explicit trait list prunes the Linux-only swift-runtime-interposer dependency (not mirrored here).
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        // Used directly by the lean-pipeline projection (the root package encodes with its own WireEncoding).
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
        // Already in the graph through the root package; ClientReport's loopback server.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // zlib called directly, for the "zlib alone" baselines (the root package's CZlib is not a product).
        .systemLibrary(name: "BenchZlib", path: "Sources/BenchZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "BenchSupport",
            dependencies: [
                "BenchZlib",
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "StatusList", package: "standing"),
                .product(name: "Signing", package: "standing"),
                .product(name: "StatusListSecuring", package: "standing"),
            ],
            path: "Sources/BenchSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CoreReport",
            dependencies: [
                "BenchSupport",
                .product(name: "StatusList", package: "standing"),
                .product(name: "Signing", package: "standing"),
                .product(name: "StatusListSecuring", package: "standing"),
            ],
            path: "Sources/CoreReport",
            swiftSettings: swiftSettings
        ),
        // The client figures: cached checks (ns per check) and cold fetch + verify + decode over a loopback server.
        .executableTarget(
            name: "ClientReport",
            dependencies: [
                "BenchSupport",
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "StatusList", package: "standing"),
                .product(name: "Signing", package: "standing"),
                .product(name: "StatusListSecuring", package: "standing"),
                .product(name: "Client", package: "standing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/ClientReport",
            swiftSettings: swiftSettings
        ),
        // Republication with segmented compression against whole-list compression (run-publication.sh).
        .executableTarget(
            name: "PublicationReport",
            dependencies: [
                "BenchSupport",
                .product(name: "StatusList", package: "standing"),
                .product(name: "Signing", package: "standing"),
                .product(name: "StatusListSecuring", package: "standing"),
            ],
            path: "Sources/PublicationReport",
            swiftSettings: swiftSettings
        ),
        // Publication signing with PKCS#11 (SoftHSM2) keys against file keys (run-pkcs11.sh).
        .executableTarget(
            name: "PKCS11Report",
            dependencies: [
                "BenchSupport",
                .product(name: "StatusList", package: "standing"),
                .product(name: "Signing", package: "standing"),
                .product(name: "StatusListSecuring", package: "standing"),
                .product(name: "HardwareKeys", package: "standing"),
            ],
            path: "Sources/PKCS11Report",
            swiftSettings: swiftSettings
        ),
        // Seeds a data directory with a large trust registry (Benchmarks/registry/run-registry.sh).
        .executableTarget(
            name: "RegistrySeed",
            dependencies: [
                .product(name: "Signing", package: "standing"),
                .product(name: "TrustRegistry", package: "standing"),
                .product(name: "Store", package: "standing"),
            ],
            path: "registry/RegistrySeed",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StatusListBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "StatusList", package: "standing"),
                .product(name: "Signing", package: "standing"),
                .product(name: "StatusListSecuring", package: "standing"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "StatusListBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
