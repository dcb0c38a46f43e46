import Hummingbird
import Store

/// Runs the rest of a request (authentication, body decoding, the service's work and its SQLite transaction) on
/// the application's ``LowPriorityExecutor``.
struct LowPriorityAdministration: RouterMiddleware {
    typealias Context = StandingRequestContext
    let executor: LowPriorityExecutor

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let executor = executor
        return try await withTaskExecutorPreference(executor) {
            try await BlockingWork.$runner.withValue(executor) {
                try await next(request, context)
            }
        }
    }
}
