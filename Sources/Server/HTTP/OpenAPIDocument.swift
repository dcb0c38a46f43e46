import Foundation

/// The OpenAPI document of the HTTP API, kept in the repository (`Sources/Server/Resources/openapi.json`) and
/// served at `/openapi.json`.
public enum OpenAPIDocument {
    /// The document's JSON text.
    public static let json: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "{}" }
        return text
    }()
}
