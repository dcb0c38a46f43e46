// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "standing",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StatusList", targets: ["StatusList"]),
        .library(name: "Signing", targets: ["Signing"]),
        .library(name: "StatusListSecuring", targets: ["StatusListSecuring"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "StatusList",
            dependencies: ["CZlib", .product(name: "ExtrasBase64", package: "swift-extras-base64")]
        ),
        .target(
            name: "Signing",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ]
        ),
        .target(name: "StatusListSecuring", dependencies: ["StatusList", "Signing"]),
        .testTarget(name: "StatusListTests", dependencies: ["StatusList"], resources: [.copy("Vectors")]),
        .testTarget(name: "SigningTests", dependencies: ["Signing"], resources: [.copy("Vectors")]),
        .testTarget(name: "StatusListSecuringTests", dependencies: ["StatusListSecuring"], resources: [.copy("Vectors")]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
