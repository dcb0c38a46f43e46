import Foundation

/// The OpenAPI document of the HTTP API, kept in the repository (`Sources/Server/Resources/openapi.json`) and
/// served at `/openapi.json`.
public enum OpenAPIDocument {
    /// The resource bundle SwiftPM builds next to the executable (and copies into a deployment, see ops/README.md).
    static let bundleName = "standing_Server.resources"

    /// The document's JSON text, or nil when the resource bundle is not next to the executable.
    ///
    /// Looked up by hand rather than through `Bundle.module`, whose accessor stops the process when the bundle is
    /// missing: a missing document must cost one 503, not the service.
    public static let json: String? = {
        let executableDirectory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL, executableDirectory, Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent(bundleName).appendingPathComponent("openapi.json") }
        for url in candidates {
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        return nil
    }()
}
