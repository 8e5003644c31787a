import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`: any non-empty token, or
/// exactly `apiKey` when one is configured. Otherwise answers 401 `invalid_api_key`.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let apiKey: String?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.missingAPIKey }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw APIError.missingAPIKey }
        if let apiKey, token != apiKey { throw APIError.wrongAPIKey }
        context.note.update { $0.authorized = true }
        return try await next(request, context)
    }
}
