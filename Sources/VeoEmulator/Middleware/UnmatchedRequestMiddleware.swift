import Hummingbird

/// Answers the requests no route matched. Added to a router after its routes, it wraps only the
/// router's not-found responder, so it never calls `next`.
struct UnmatchedRequestMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    /// The answer for a path no route has.
    let unknownPath: @Sendable (String) -> APIError

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let (endpoint, _) = Endpoint.match(request.uri.path), !endpoint.methods.contains(request.method) {
            throw APIError.methodNotAllowed(allow: endpoint.allow)
        }
        throw unknownPath(request.uri.path)
    }
}
