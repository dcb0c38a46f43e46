// swift-tools-version:6.1
// libFuzzer targets for every decoder of untrusted bytes. A package of its own, so the root package never builds it;
// build and run with `Fuzz/run.sh [seconds-per-target]` (it passes `-sanitize=fuzzer,address`).
import PackageDescription

let decoders: [(name: String, products: [String])] = [
    ("FuzzW3CList", ["StatusList"]),
    ("FuzzIETFList", ["StatusList"]),
    ("FuzzCompactJWS", ["Signing"]),
    ("FuzzCBOR", ["Signing"]),
    ("FuzzCOSESign1", ["Signing"]),
    ("FuzzJSON", ["Signing"]),
    ("FuzzDIDDocument", ["Signing"]),
    ("FuzzX509", ["Signing"]),
]

let package = Package(
    name: "standing-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "standing", path: "..")],
    targets: [.target(name: "FuzzDriver")]
        + decoders.map { decoder in
            .executableTarget(
                name: decoder.name,
                dependencies: ["FuzzDriver"] + decoder.products.map { .product(name: $0, package: "standing") },
                path: "Sources/\(decoder.name)"
            )
        }
)
