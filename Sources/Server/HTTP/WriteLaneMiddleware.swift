import Hummingbird

/// Runs the rest of a request (authentication, body, handler) on the ``WriteLane``; without a lane
/// (``ServerConfiguration/lowPriorityWrites`` off) it only passes the request on.
struct WriteLaneMiddleware<Context: RequestContext>: RouterMiddleware {
    let lane: WriteLane?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let lane else { return try await next(request, context) }
        return try await withTaskExecutorPreference(lane) {
            try await next(request, context)
        }
    }
}
