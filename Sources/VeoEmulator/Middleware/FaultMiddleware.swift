import Hummingbird
import NIOCore

// The faults that sit in front of a handler or behind it, as middleware. Those inside a
// handler's own steps (429 and 503 on creates, the concurrency limit, the start of a redirect
// loop, a non-standard status) are in VideoRoutes; failing prompts are set when JobBook makes a job.

/// Delays every answer by ``FaultPlan/responseDelayMilliseconds``.
struct ResponseDelayMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let faults: FaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let delay = await faults.plan.responseDelayMilliseconds
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        return try await next(request, context)
    }
}

/// Answers the first ``FaultPlan/pollServerErrors`` polls 500, 502, 503, 500, ... in turn.
struct PollServerErrorMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let faults: FaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let n = await faults.take(.pollServerError) else { return try await next(request, context) }
        context.note.noteFault(.pollServerError)
        let statuses: [HTTPResponse.Status] = [.internalServerError, .badGateway, .serviceUnavailable]
        throw APIError.serverError(statuses[n % statuses.count])
    }
}

/// For the first ``FaultPlan/loseCreateResponses`` creates that make a job: the job stays, but
/// the connection is closed without an answer.
struct LostCreateResponseMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let faults: FaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        guard response.status == .ok, await faults.take(.loseResponse) != nil else { return response }
        context.note.noteFault(.loseResponse)
        throw DroppedOnPurpose()
    }
}

/// A content request with `?loop=N` is a hop of a redirect loop the emulator started
/// (``FaultPlan/redirectLoopDownloads``): it redirects to hop N+1, whoever asks, forever.
struct RedirectLoopHopMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let address: ServerAddress

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let hop = request.uri.queryParameters["loop"].flatMap({ Int($0) }),
            let id = context.parameters.get(Endpoint.idParameter)
        else { return try await next(request, context) }
        context.note.noteFault(.redirectLoop)
        return .redirect(to: "\(address.baseURL(for: request))/v1/videos/\(id)/content?loop=\(hop + 1)")
    }
}

/// Download faults on the clip files, for downloads of a completed job's clip: the first
/// ``FaultPlan/corruptDownloads`` get a body that is not an MP4 (still `video/mp4`), then the
/// first ``FaultPlan/truncateDownloads`` get the full `Content-Length` but half the body, and
/// the connection closed.
struct DownloadFaultMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let jobs: JobBook
    let faults: FaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let id = context.parameters.get(Endpoint.idParameter), let clip = await jobs.clip(id: id) else {
            return try await next(request, context)
        }
        if await faults.take(.corrupt) != nil {
            context.note.noteFault(.corrupt)
            let page = "<html><body><h1>502 Bad Gateway</h1><p>upstream storage error</p></body></html>\n"
            return Response(status: .ok, headers: .videoMP4, body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        if await faults.take(.truncate) != nil {
            context.note.noteFault(.truncate)
            return Response(status: .ok, headers: .videoMP4, body: .truncated(clip, channel: context.channel))
        }
        return try await next(request, context)
    }
}
