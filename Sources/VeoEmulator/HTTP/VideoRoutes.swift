import Hummingbird
import NIOCore

/// The provider's API: `POST /v1/videos`, `GET /v1/videos/{id}`, `GET /v1/videos/{id}/content`
/// and the clip files it redirects to.
struct VideoRoutes: Sendable {
    typealias Context = EmulatorRequestContext

    let core: EmulatorCore

    static let maxBody = 64 * 1024 * 1024
    /// The header with the provider's hint for when to poll again.
    static let pollAfterHeader = "openai-poll-after-ms"

    /// The API router. Every request, matched or not, is delayed by the fault plan and logged;
    /// the `/v1/videos` endpoints need a bearer token; unmatched requests get 405 or 404.
    static func router(core: EmulatorCore) -> Router<Context> {
        let routes = VideoRoutes(core: core)
        let router = Router(context: Context.self)
        router.add(middleware: ResponseDelayMiddleware(faults: core.faults))
        router.add(middleware: DroppedConnectionMiddleware())
        router.add(middleware: RecordingMiddleware(log: core.log))
        let auth = BearerAuthMiddleware(apiKey: core.apiKey)
        let create = router.group()
            .add(middleware: auth)
            .add(middleware: LostCreateResponseMiddleware(faults: core.faults))
        register(.createVideo, on: create, use: routes.create)
        let poll = router.group()
            .add(middleware: auth)
            .add(middleware: PollServerErrorMiddleware(faults: core.faults))
        register(.video, on: poll, use: routes.poll)
        let content = router.group()
            .add(middleware: RedirectLoopHopMiddleware(address: core.address))
            .add(middleware: auth)
        register(.content, on: content, use: routes.content)
        let file = router.group()
            .add(middleware: DownloadFaultMiddleware(jobs: core.jobs, faults: core.faults))
        register(.file, on: file, use: routes.file)
        // After the routes: wraps only the not-found responder.
        router.add(middleware: UnmatchedRequestMiddleware(unknownPath: APIError.unknownPath))
        return router
    }

    /// Routes the endpoint's path and methods (from the ``Endpoint`` table) to `handler`.
    private static func register(
        _ endpoint: Endpoint, on group: RouterGroup<Context>,
        use handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        for method in endpoint.methods {
            group.on(endpoint.path, method: method, use: handler)
        }
    }

    // MARK: - POST /v1/videos

    /// Reads and checks the body, then creates the job. The body is read before the create
    /// faults (429, 503) are injected, so the log shows what a refused request carried.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBody)
        } catch {
            throw APIError.bodyTooLarge
        }
        var received = ReceivedCreate()
        let parsed = Result { () throws(APIError) in
            try CreateRequestParser.parse(body: body, contentType: request.headers[.contentType], received: &received)
        }
        context.note.update { [received] in $0.received = received }
        let plan = await core.faults.plan
        if await core.faults.take(.rateLimit) != nil {
            context.note.noteFault(.rateLimit)
            throw APIError.rateLimited(retryAfter: plan.retryAfterSeconds)
        }
        if await core.faults.take(.unavailable) != nil {
            context.note.noteFault(.unavailable)
            throw APIError.unavailable(retryAfter: plan.retryAfterSeconds)
        }
        switch try await core.jobs.create(try parsed.get(), plan: plan) {
        case .concurrencyLimit(let limit):
            context.note.noteFault(.concurrencyLimit)
            throw APIError.concurrencyLimit(limit, retryAfter: plan.retryAfterSeconds)
        case .created(let object):
            context.note.update { $0.videoID = object.id }
            return .json(object)
        }
    }

    // MARK: - GET /v1/videos/{id}

    /// The video object; once completed, `video_url`: the direct link to the clip file (the
    /// provider's page: "视频直链（完成后返回）", the video's direct link, given on completion), the
    /// same file `/content` redirects to, unless the plan withholds it. A poll hint until the job ends.
    @Sendable func poll(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require(Endpoint.idParameter)
        let plan = await core.faults.plan
        guard let (object, pollAfter) = await core.jobs.snapshot(id: id, inProgressName: plan.nonStandardStatus)
        else { throw APIError.videoNotFound(id) }
        var shown = object
        if object.status == .completed, !plan.withholdVideoURL {
            shown.videoURL = Self.fileURL(base: core.address.baseURL(for: request), id: id)
        }
        var response = Response.json(shown)
        if !object.status.isTerminal {
            response.headers[.init(Self.pollAfterHeader)!] = String(pollAfter)
        }
        return response
    }

    // MARK: - GET /v1/videos/{id}/content

    /// A redirect to the clip file of a completed job (or, as a fault, into a redirect loop).
    @Sendable func content(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require(Endpoint.idParameter)
        let plan = await core.faults.plan
        guard let (object, _) = await core.jobs.snapshot(id: id, inProgressName: plan.nonStandardStatus) else {
            throw APIError.videoNotFound(id)
        }
        guard object.status == .completed else { throw APIError.videoNotReady(id, status: object.shownStatus) }
        let base = core.address.baseURL(for: request)
        if await core.faults.take(.redirectLoop) != nil {
            context.note.noteFault(.redirectLoop)
            return .redirect(to: "\(base)/v1/videos/\(id)/content?loop=1")
        }
        return .redirect(to: Self.fileURL(base: base, id: id))
    }

    /// Where a completed job's clip file is served: `video_url`, and the target of `/content`.
    static func fileURL(base: String, id: String) -> String {
        "\(base)/files/\(id).mp4"
    }

    // MARK: - GET|HEAD /files/{id}.mp4

    /// The clip, sent with sendfile(2); HEAD gets the same head without the body.
    @Sendable func file(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require(Endpoint.idParameter)
        guard let clip = await core.jobs.clip(id: id) else { throw APIError.fileNotFound(id) }
        let response = Response(status: .ok, headers: .videoMP4, body: .sendfile(clip, channel: context.channel))
        return request.method == .head ? response.createHeadResponse() : response
    }
}
