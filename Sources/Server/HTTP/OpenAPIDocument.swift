import Foundation

/// The OpenAPI document of the HTTP API, kept in the repository (`Sources/Server/Resources/openapi.json`) and
/// served at `/openapi.json`.
public enum OpenAPIDocument {
    /// The document's JSON text, compiled into the binary from `Sources/Server/Resources/openapi.json` (SwiftPM
    /// `embedInCode`): there is no resource bundle to install beside the executable, or to miss.
    public static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
