import Foundation
import Hummingbird

/// Records every request in the request log once it is answered: its endpoint and video id
/// from the path, then what later middleware and the handler noted, and the status sent.
/// Errors that carry an answer are turned into that answer here, so the log has its status; a
/// request whose answer a fault drops is logged without a status.
struct RecordingMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let log: RequestLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let timestamp = Date()
        let match = Endpoint.match(request.uri.path)
        context.note.update {
            $0.kind = match?.endpoint.kind ?? .other
            $0.videoID = match?.videoID
            $0.authorized = match.map { !$0.endpoint.needsBearerToken } ?? false
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch let error as DroppedOnPurpose {
            log.append(record(request, context, status: nil, at: timestamp))
            throw error
        }
        log.append(record(request, context, status: Int(response.status.code), at: timestamp))
        return response
    }

    private func record(_ request: Request, _ context: Context, status: Int?, at timestamp: Date) -> RecordedRequest {
        context.note.recorded(method: request.method.rawValue, path: request.uri.path, status: status, at: timestamp)
    }
}

/// Thrown to drop a connection without answering (a fault); ``DroppedConnectionMiddleware``
/// closes the connection once the request is logged.
struct DroppedOnPurpose: Error {}

/// Closes the connection of a request whose answer a fault drops. It sits outside
/// ``RecordingMiddleware``, so the request is in the log before the client sees the connection close.
struct DroppedConnectionMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DroppedOnPurpose {
            try? await context.channel.close()
            throw error
        }
    }
}
