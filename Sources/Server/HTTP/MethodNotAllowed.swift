import Foundation
import HTTPTypes
import Hummingbird

/// The methods each documented path answers, read from the OpenAPI document (which OpenAPITests keep equal to the
/// registered routes), plus HEAD wherever GET is (the router answers HEAD for every GET).
struct AllowedMethods: Sendable {
    private struct Template: Sendable {
        /// Path segments; nil for a parameter segment (`{list}`, `{list}.{suffix}`), which matches any one segment.
        let segments: [String?]
        let methods: Set<HTTPRequest.Method>
    }

    private let templates: [Template]
    /// The members of an OpenAPI path item that are operations.
    private static let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The part of an OpenAPI document read here: each path's member names (its operations among them).
    private struct PathsOnly: Decodable {
        let paths: [String: [String: Skipped]]
    }

    /// A JSON value of any shape, left unread.
    private struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// Reads the `paths` of an OpenAPI document; an unreadable document yields an empty table (every unrouted
    /// request then stays a 404, as before).
    init(openAPIDocument json: String) {
        let document = try? JSONDecoder().decode(PathsOnly.self, from: Data(json.utf8))
        templates = (document?.paths ?? [:]).map { path, item in
            var methods = Set(item.keys.filter(Self.operationKeys.contains).compactMap { HTTPRequest.Method($0.uppercased()) })
            if methods.contains(.get) { methods.insert(.head) }
            let segments = path.split(separator: "/").map { $0.contains("{") ? nil : String($0) }
            return Template(segments: segments, methods: methods)
        }
    }

    /// The methods `path` answers, empty when no documented path matches it. Like the router, a literal segment wins
    /// over a parameter: `/status/lookup` is the POST-only path, not a list called `lookup`.
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/")
        var best: (literals: Int, methods: Set<HTTPRequest.Method>) = (-1, [])
        for template in templates where template.segments.count == segments.count {
            guard zip(template.segments, segments).allSatisfy({ $0.0 == nil || $0.0! == $0.1 }) else { continue }
            let literals = template.segments.count { $0 != nil }
            if literals > best.literals {
                best = (literals, template.methods)
            } else if literals == best.literals {
                best.methods.formUnion(template.methods)
            }
        }
        return best.methods
    }
}

/// Answers 405 with `Allow` when a request names a path the API has, with a method it does not have (Hummingbird's
/// router answers 404 for both an unknown path and an unknown method).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: AllowedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router's own 404 (a handler's 404 is a ServiceError with a detail).
            let methods = allowed.methods(for: request.uri.path)
            guard !methods.isEmpty, !methods.contains(request.method) else { throw error }
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            let problem = ProblemDetails(
                status: .methodNotAllowed, type: ProblemDetails.standingType("method-not-allowed"), title: "Method not allowed",
                detail: "\(request.uri.path) answers \(allow), not \(request.method.rawValue)")
            var response = try problem.response(from: request, context: context)
            response.headers[.allow] = allow
            return response
        }
    }
}
