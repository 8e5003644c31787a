import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix

/// The request context: Hummingbird's core storage plus the channel, so that a fault can drop
/// a connection without answering.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Thrown from a body writer to cut a download short: Hummingbird then closes the connection.
struct TruncatedOnPurpose: Error {}

/// Routes every request of the emulator.
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext

    let state: EmulatorState
    let renderer: ClipRenderer?
    let serveFile: String?
    let apiKey: String?
    let renderSeconds: Double
    let renderTasks: RenderTasks
    let fileIO = FileIO()

    static let maxBody = 64 * 1024 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segments.first == "_emulator" {
            return try await control(request, segments: segments)
        }
        let delay = await state.faults.responseDelayMilliseconds
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }

        var entry = RecordedRequest(
            kind: .other, method: request.method.rawValue, path: path, status: nil, contentType: nil,
            authorized: false, videoID: nil, fields: [:], imageURLs: [], imageSHA256: [], fault: nil,
            timestamp: Date())
        var response: Response
        switch (segments.count, segments.first, segments.dropFirst().first) {
        case (2, "v1", "videos"):
            entry.kind = .create
            if request.method == .post {
                var request = request
                response = try await create(&request, context: context, entry: &entry)
            } else {
                response = methodNotAllowed("POST")
            }
        case (3, "v1", "videos"):
            entry.kind = .poll
            entry.videoID = segments[2]
            response = request.method == .get ? await poll(request, id: segments[2], entry: &entry) : methodNotAllowed("GET")
        case (4, "v1", "videos") where segments[3] == "content":
            entry.kind = .content
            entry.videoID = segments[2]
            response =
                request.method == .get
                ? await content(request, id: segments[2], entry: &entry) : methodNotAllowed("GET")
        case (2, "files", _) where segments[1].hasSuffix(".mp4"):
            entry.kind = .file
            entry.authorized = true
            let id = String(segments[1].dropLast(4))
            entry.videoID = id
            response =
                request.method == .get || request.method == .head
                ? try await file(id: id, context: context, sendBody: request.method == .get, entry: &entry)
                : methodNotAllowed("GET")
        default:
            response = APIError(
                status: .notFound, message: "Unknown path \(path).", type: "invalid_request_error",
                code: "not_found", param: nil
            ).response
        }
        if entry.fault != "lose_response" { entry.status = response.status.code }
        await state.append(entry)
        if entry.fault == "lose_response" {
            // The job exists; the client never hears of it.
            try? await context.channel.close()
            throw TruncatedOnPurpose()
        }
        return response
    }

    func methodNotAllowed(_ allow: String) -> Response {
        var error = APIError(
            status: .methodNotAllowed, message: "Method not allowed; use \(allow).", type: "invalid_request_error",
            code: "method_not_allowed", param: nil)
        error.headers[.allow] = allow
        return error.response
    }

    // MARK: - Auth

    /// nil when the bearer token is accepted, else the 401 answer.
    func authorize(_ request: Request, entry: inout RecordedRequest) -> Response? {
        let header = request.headers[.authorization] ?? ""
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            !parts[1].trimmingCharacters(in: .whitespaces).isEmpty
        else {
            return APIError.unauthorized(
                "You didn't provide an API key. Send it in an Authorization header: 'Authorization: Bearer YOUR_KEY'."
            ).response
        }
        if let apiKey, parts[1].trimmingCharacters(in: .whitespaces) != apiKey {
            return APIError.unauthorized("Incorrect API key provided.").response
        }
        entry.authorized = true
        return nil
    }

    func baseURL(_ request: Request) async -> String {
        if let host = request.head.authority, !host.isEmpty { return "http://\(host)" }
        return await state.baseURL
    }

    // MARK: - POST /v1/videos

    func create(_ request: inout Request, context: Context, entry: inout RecordedRequest) async throws -> Response {
        if let denied = authorize(request, entry: &entry) { return denied }
        let contentType = request.headers[.contentType]
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBody)
        } catch {
            return APIError(
                status: .contentTooLarge, message: "Request body too large.", type: "invalid_request_error",
                code: "request_too_large", param: nil
            ).response
        }
        var received = ReceivedCreate(contentType: "")
        let parsed: Result<CreateRequest, APIError>
        do throws(APIError) {
            parsed = .success(try CreateRequestParser.parse(body: body, contentType: contentType, received: &received))
        } catch {
            parsed = .failure(error)
        }
        entry.contentType = received.contentType
        entry.fields = received.fields
        entry.imageURLs = received.imageURLs
        entry.imageSHA256 = received.imageSHA256

        let retryAfter = await state.faults.retryAfterSeconds
        if await state.take(.rateLimit) != nil {
            entry.fault = "rate_limit"
            var error = APIError(
                status: .tooManyRequests, message: "Rate limit reached for requests. Try again later.",
                type: "requests", code: "rate_limit_exceeded", param: nil)
            error.headers[.retryAfter] = String(retryAfter)
            return error.response
        }
        if await state.take(.unavailable) != nil {
            entry.fault = "unavailable"
            var error = APIError(
                status: .serviceUnavailable, message: "The server is overloaded; the request was not processed.",
                type: "server_error", code: "service_unavailable", param: nil)
            error.headers[.retryAfter] = String(retryAfter)
            return error.response
        }
        let valid: CreateRequest
        switch parsed {
        case .failure(let error): return error.response
        case .success(let request): valid = request
        }
        switch await state.create(valid, serveFile: serveFile) {
        case .concurrencyLimit(let limit):
            entry.fault = "concurrency_limit"
            var error = APIError(
                status: .tooManyRequests,
                message: "Too many unfinished video jobs (limit \(limit)). Wait for one to finish.",
                type: "requests", code: "concurrency_limit_exceeded", param: nil)
            error.headers[.retryAfter] = String(retryAfter)
            return error.response
        case .created(let job):
            entry.videoID = job.id
            startRender(job)
            if await state.take(.loseResponse) != nil { entry.fault = "lose_response" }
            guard let object = await state.snapshot(id: job.id) else { throw TruncatedOnPurpose() }
            return Response.json(object)
        }
    }

    func startRender(_ job: VideoJob) {
        guard serveFile == nil, job.plannedFailure == nil else { return }
        let state = self.state
        guard let renderer else {
            Task { await state.finishRender(id: job.id, .failed(code: "render_unavailable", message: "no renderer")) }
            return
        }
        let task = Task {
            do {
                let path = try await renderer.render(
                    id: job.id, prompt: job.prompt, seconds: job.seconds, size: job.size)
                await state.finishRender(id: job.id, .done(path: path, at: Date()))
            } catch let error as EmulatorError {
                let code = renderer.ffmpeg == nil ? "ffmpeg_unavailable" : "render_failed"
                await state.finishRender(id: job.id, .failed(code: code, message: error.description))
            } catch {
                await state.finishRender(id: job.id, .failed(code: "render_failed", message: "\(error)"))
            }
        }
        renderTasks.add(task)
    }

    // MARK: - GET /v1/videos/{id}

    func poll(_ request: Request, id: String, entry: inout RecordedRequest) async -> Response {
        if let denied = authorize(request, entry: &entry) { return denied }
        if let n = await state.take(.pollServerError) {
            entry.fault = "poll_server_error"
            let statuses: [HTTPResponse.Status] = [.internalServerError, .badGateway, .serviceUnavailable]
            let status = statuses[n % 3]
            return APIError(
                status: status, message: "The server had an error while processing your request.",
                type: "server_error", code: "server_error", param: nil
            ).response
        }
        guard var object = await state.snapshot(id: id) else { return APIError.notFound(videoID: id).response }
        if object.status == "completed" {
            object.video_url = "\(await baseURL(request))/v1/videos/\(id)/content"
        }
        var response = Response.json(object)
        if !object.isTerminal {
            response.headers[.init("openai-poll-after-ms")!] = String(max(100, Int(renderSeconds * 250)))
        }
        return response
    }

    // MARK: - GET /v1/videos/{id}/content

    func content(_ request: Request, id: String, entry: inout RecordedRequest) async -> Response {
        let base = await baseURL(request)
        if let hop = request.uri.queryParameters["loop"].flatMap({ Int($0) }) {
            // A redirect-loop hop: keeps looping whoever follows it.
            entry.fault = "redirect_loop"
            return redirect(to: "\(base)/v1/videos/\(id)/content?loop=\(hop + 1)")
        }
        if let denied = authorize(request, entry: &entry) { return denied }
        guard let object = await state.snapshot(id: id) else { return APIError.notFound(videoID: id).response }
        guard object.status == "completed" else {
            return APIError(
                status: .conflict,
                message: "Video '\(id)' is \(object.status); its content is available once it is completed.",
                type: "invalid_request_error", code: "video_not_ready", param: "video_id"
            ).response
        }
        if await state.take(.redirectLoop) != nil {
            entry.fault = "redirect_loop"
            return redirect(to: "\(base)/v1/videos/\(id)/content?loop=1")
        }
        return redirect(to: "\(base)/files/\(id).mp4")
    }

    func redirect(to location: String) -> Response {
        Response(status: .found, headers: [.location: location, .contentLength: "0"])
    }

    // MARK: - GET /files/{id}.mp4

    func file(id: String, context: Context, sendBody: Bool, entry: inout RecordedRequest) async throws -> Response {
        guard let path = await state.file(id: id),
            let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            return APIError(
                status: .notFound, message: "No file for video '\(id)'.", type: "invalid_request_error",
                code: "file_not_found", param: nil
            ).response
        }
        let headers: HTTPFields = [.contentType: "video/mp4"]
        if await state.take(.corrupt) != nil {
            entry.fault = "corrupt"
            let page = "<html><body><h1>502 Bad Gateway</h1><p>upstream storage error</p></body></html>\n"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        if await state.take(.truncate) != nil {
            entry.fault = "truncate"
            let channel = context.channel
            let body = ResponseBody(contentLength: size) { writer in
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                let head = try handle.read(upToCount: min(size / 2, 256 * 1024)) ?? Data()
                try? handle.close()
                try await writer.write(ByteBuffer(bytes: head))
                try? await channel.close()
                throw TruncatedOnPurpose()
            }
            return Response(status: .ok, headers: headers, body: body)
        }
        guard sendBody else {
            return Response(status: .ok, headers: headers, body: try await fileIO.loadFile(path: path, context: context))
        }
        return Response(status: .ok, headers: headers, body: Self.sendfileBody(path: path, size: size, channel: context.channel))
    }

    /// The file sent with sendfile(2), as storage servers and CDNs send files: the kernel moves the
    /// page-cache pages to the socket, so serving costs the emulator almost no CPU (a 500 MiB
    /// download used to keep one core busy with reads and copies, on the machine the client runs on).
    ///
    /// Hummingbird's body writer takes only byte buffers, so the file region is written from the
    /// HTTP encoder's place in the pipeline, after Hummingbird has sent the head (its writer returns
    /// once the head is queued on the event loop, and event-loop tasks run in order). The body is
    /// Content-Length framed, so the raw bytes are the whole body. Without that encoder (another
    /// pipeline) the file is written in 1 MiB chunks instead.
    static func sendfileBody(path: String, size: Int, channel: any Channel) -> ResponseBody {
        ResponseBody(contentLength: size) { writer in
            let sent = try await NonBlockingFileIO(threadPool: .singleton).withFileRegion(_deprecatedPath: path) { region in
                try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Bool> in
                    guard let encoder = try? channel.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) else {
                        return channel.eventLoop.makeSucceededFuture(false)
                    }
                    let done = channel.eventLoop.makePromise(of: Void.self)
                    encoder.writeAndFlush(NIOAny(IOData.fileRegion(region)), promise: done)
                    return done.futureResult.map { true }
                }.get()
            }
            if !sent {
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
            }
            try await writer.finish(nil)
        }
    }

    // MARK: - /_emulator

    func control(_ request: Request, segments: [String]) async throws -> Response {
        var request = request
        switch (request.method, segments.dropFirst().first) {
        case (.get, "record"):
            return Response.json(await state.record)
        case (.get, "faults"):
            return Response.json(await state.faults)
        case (.put, "faults"):
            let body = try await request.collectBody(upTo: 1024 * 1024)
            do {
                let plan = try JSONDecoder().decode(FaultPlan.self, from: Data(body.readableBytesView))
                await state.setFaults(plan)
                return Response.json(plan)
            } catch {
                return APIError.invalid("invalid_json", "Expected a FaultPlan JSON object: \(error)", param: nil)
                    .response
            }
        case (.post, "reset"):
            await state.reset()
            return Response(status: .noContent)
        default:
            return APIError(
                status: .notFound,
                message: "Control endpoints: GET /_emulator/record, GET|PUT /_emulator/faults, POST /_emulator/reset.",
                type: "invalid_request_error", code: "not_found", param: nil
            ).response
        }
    }
}
