public import AsyncHTTPClient
public import Logging
import Foundation
public import VeoProvider
import VeoSupport
import NIOCore
import NIOHTTP1
import Synchronization

// MARK: - The video API client

/// Talks to the provider's OpenAI-style video API: create, retrieve, wait, download.
///
/// Three retry scopes (submit, poll, download), each with its own ``RetryPolicy``. A create (`POST`)
/// is re-sent only when the server provably did not take it: an answer of 429, 503 or 408, or a
/// failure before any byte of the request body was handed to the connection (connect refused,
/// connect timeout, DNS…). Any other failure after the request went out throws
/// ``VideoAPIError/Kind/ambiguousSubmission`` and is never re-sent, so a job is never paid twice.
///
/// All sleeps (backoff, polling) and the per-job deadline use the injected clock.
public final class VideoAPIClient: Sendable {
    public let configuration: VideoAPIClientConfiguration
    let httpClient: HTTPClient
    let clock: any Clock<Duration>
    let logger: Logger
    /// `write(2)` for downloads; returns the count written or `-errno`. A seam for disk-full tests.
    let writeBytes: @Sendable (Int32, UnsafeRawBufferPointer) -> Int

    public convenience init(
        configuration: VideoAPIClientConfiguration, httpClient: HTTPClient,
        clock: any Clock<Duration> = ContinuousClock(), logger: Logger = Logger(label: "veo.api")
    ) {
        self.init(
            configuration: configuration, httpClient: httpClient, clock: clock, logger: logger,
            writeBytes: VideoAPIClient.posixWrite
        )
    }

    init(
        configuration: VideoAPIClientConfiguration, httpClient: HTTPClient, clock: any Clock<Duration>,
        logger: Logger, writeBytes: @escaping @Sendable (Int32, UnsafeRawBufferPointer) -> Int
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.clock = clock
        self.logger = logger
        self.writeBytes = writeBytes
    }

    /// Runs `body` with a client backed by a new `HTTPClient` (one connection pool for the whole run),
    /// and shuts that `HTTPClient` down when `body` returns or throws.
    public static func withClient<T: Sendable>(
        configuration: VideoAPIClientConfiguration,
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "veo.api"),
        _ body: (VideoAPIClient) async throws -> T
    ) async throws -> T {
        let httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: httpClientConfiguration(for: configuration)
        )
        let client = VideoAPIClient(configuration: configuration, httpClient: httpClient, clock: clock, logger: logger)
        let result: T
        do {
            result = try await body(client)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
        return result
    }

    /// The `HTTPClient` settings this client expects: its connect and read timeouts, redirects
    /// handled by the client itself (so it can drop the key on cross-origin hops and name loops),
    /// and no hidden connection retries inside the pool (the client's own policies decide).
    public static func httpClientConfiguration(for configuration: VideoAPIClientConfiguration) -> HTTPClient.Configuration {
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeAmount(configuration.connectTimeout), read: timeAmount(configuration.requestTimeout)),
            decompression: .disabled
        )
        http.connectionPool.retryConnectionEstablishment = false
        // Reads of up to 1 MiB (NIO's default stops at 64 KiB): a video download then arrives in a
        // few hundred parts instead of thousands, each a hand-off between the network thread and
        // the task writing the file. Small answers keep small buffers (the allocator adapts).
        http.http1_1ConnectionDebugInitializer = { channel in
            channel.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 512 << 10))
        }
        return http
    }

    // MARK: - Create

    /// Creates a generation job. JSON when every image is a URL; `multipart/form-data` with one
    /// `input_reference` file part per image, in order, when they are uploads (`uploads` holds their
    /// files, in the order of the request's uploaded inputs). A request that breaks a provider rule
    /// (`RequestRules`) is refused before anything is sent. Each local file is read once; retries
    /// reuse the bytes.
    public func create(_ request: GenerationRequest, uploads: [ImageUpload]) async throws -> VideoObject {
        let body = try makeCreateBody(request, uploads: uploads)
        let url = configuration.root + "/v1/videos"
        return try await withRetries(configuration.submitRetry, scope: "submit") { attempt in
            let sent = SendProgress()
            let answer = try await self.exchange(
                method: .POST, url: url, contentType: body.contentType, body: body.chunks, length: body.length,
                progress: sent, attempt: attempt
            )
            guard (200..<300).contains(answer.status) else {
                throw self.classify(answer, submission: true)
            }
            do {
                return try VideoObjectWire.decode(answer.body)
            } catch {
                throw VideoAPIError(
                    kind: .ambiguousSubmission, httpStatus: answer.status,
                    message: "the server accepted the create request but its answer is not a video object; "
                        + "the job may exist, so it is not re-sent"
                )
            }
        }
    }

    struct CreateBody {
        var contentType: String
        var chunks: [ByteBuffer]
        var length: Int64
    }

    func makeCreateBody(_ request: GenerationRequest, uploads: [ImageUpload]) throws -> CreateBody {
        if let violation = RequestRules.violations(of: request).first {
            throw VideoAPIError(kind: .badRequest, message: "the request breaks a provider rule: \(violation.message)", param: violation.field)
        }
        let uploadCount = request.inputs.count { $0.source.isUpload }
        guard uploads.count == uploadCount else {
            throw VideoAPIError(
                kind: .badRequest, message: "the request has \(uploadCount) uploaded images but \(uploads.count) files were given",
                param: "input_reference")
        }
        let wire = CreateWire(request)
        if uploads.isEmpty {
            let json = try wire.json(imageURLs: request.inputs.compactMap { if case .url(let url) = $0.source { url } else { nil } })
            return CreateBody(contentType: "application/json", chunks: [json], length: Int64(json.readableBytes))
        }
        var parts: [MultipartBody.File] = []
        for upload in uploads {
            parts.append(
                MultipartBody.File(
                    field: "input_reference", filename: URL(fileURLWithPath: upload.path).lastPathComponent,
                    contentType: upload.format.mimeType, bytes: try readImage(upload.path)
                )
            )
        }
        let multipart = MultipartBody(fields: wire.fields, files: parts)
        return CreateBody(contentType: multipart.contentType, chunks: multipart.chunks, length: multipart.length)
    }

    private func readImage(_ path: String) throws -> ByteBuffer {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        if let size, size > configuration.maxImageBytes {
            throw VideoAPIError(
                kind: .badRequest,
                message: "image file \(path) is \(size) bytes, more than the \(configuration.maxImageBytes)-byte limit",
                param: "input_reference"
            )
        }
        do {
            return ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw VideoAPIError(
                kind: .badRequest, message: "cannot read image file \(path): \(FileErrorText.reason(error))",
                param: "input_reference"
            )
        }
    }

    // MARK: - Retrieve

    /// The job's video object, and the server's `openai-poll-after-ms` hint when it sent one.
    /// Retried within the poll scope (429, 5xx, transport errors).
    public func retrieve(id: String) async throws -> (video: VideoObject, pollAfter: Duration?) {
        let url = configuration.root + "/v1/videos/" + Self.pathComponent(id)
        return try await withRetries(configuration.pollRetry, scope: "poll") { attempt in
            let answer = try await self.exchange(
                method: .GET, url: url, contentType: nil, body: nil, length: 0, progress: SendProgress(),
                attempt: attempt
            )
            guard (200..<300).contains(answer.status) else {
                throw self.classify(answer, submission: false)
            }
            let video: VideoObject
            do {
                video = try VideoObjectWire.decode(answer.body)
            } catch {
                throw RetryableFailure(
                    error: VideoAPIError(
                        kind: .invalidResponse, httpStatus: answer.status,
                        message: "the answer for job \(id) is not a video object"
                    ),
                    retryAfter: nil
                )
            }
            let hint = answer.headers.first(name: "openai-poll-after-ms").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            return (video, hint.map { Duration.milliseconds(max(0, $0)) })
        }
    }

    // MARK: - HTTP exchange

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// A failure to get any answer; `bodyStarted` says whether the request body began to go out
    /// (AsyncHTTPClient starts the body only after the request head was written).
    struct TransportFailure: Error {
        var underlying: any Error
        var bodyStarted: Bool
    }

    func exchange(
        method: HTTPMethod, url: String, contentType: String?, body: [ByteBuffer]?, length: Int64,
        progress: SendProgress, attempt: Int
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.value)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "veo-pipeline")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body {
            request.body = .stream(TrackedBody(chunks: body, progress: progress), length: .known(length))
        }
        logger.debug(
            "request", metadata: ["method": "\(method.rawValue)", "url": "\(url)", "attempt": "\(attempt)"]
        )
        do {
            let response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.requestTimeout))
            let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
            logger.debug(
                "answer",
                metadata: ["method": "\(method.rawValue)", "url": "\(url)", "status": "\(response.status.code)",
                           "bytes": "\(bytes.readableBytes)"]
            )
            return Answer(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch {
            logger.debug(
                "no answer",
                metadata: ["method": "\(method.rawValue)", "url": "\(url)", "error": "\(redact(String(describing: error)))",
                           "bodyStarted": "\(progress.started)"]
            )
            throw classify(
                TransportFailure(underlying: error, bodyStarted: progress.started), submission: method == .POST, url: url
            )
        }
    }

    // MARK: - Classification

    /// A failure worth another attempt within the current scope.
    struct RetryableFailure: Error {
        var error: VideoAPIError
        var retryAfter: Duration?
    }

    /// Turns a non-2xx answer into a fatal `VideoAPIError` or a `RetryableFailure`.
    func classify(_ answer: Answer, submission: Bool) -> any Error {
        let status = answer.status
        let detail = APIErrorBody.decode(answer.body)
        let serverMessage = redact(
            detail?.message ?? String(buffer: answer.body.getSlice(at: answer.body.readerIndex, length: min(answer.body.readableBytes, 300)) ?? ByteBuffer())
        )
        let code = detail?.code ?? detail?.type
        let retryAfter = answer.headers.first(name: "retry-after").flatMap { RetryAfter.parse($0) }
        func error(_ kind: VideoAPIError.Kind, _ message: String) -> VideoAPIError {
            VideoAPIError(kind: kind, httpStatus: status, code: code, message: message, param: detail?.param)
        }
        let said = serverMessage.isEmpty ? "" : ": \(serverMessage)"
        switch status {
        case 401, 403:
            return error(.unauthorized, "the server refused the API key; check VEO_API_KEY\(said)")
        case 429:
            return RetryableFailure(error: error(.rateLimited, "rate limited\(said)"), retryAfter: retryAfter)
        case 408, 503:
            // The server says it did not process the request: safe to send again, even a create.
            return RetryableFailure(error: error(.server, "server unavailable\(said)"), retryAfter: retryAfter)
        case 500..<600:
            if submission {
                return error(
                    .ambiguousSubmission,
                    "the create request was sent and the server answered \(status)\(said); the job may have been "
                        + "created, so it is not re-sent (check the provider's console before retrying)"
                )
            }
            return RetryableFailure(error: error(.server, "server error\(said)"), retryAfter: retryAfter)
        case 400..<500:
            return error(.badRequest, serverMessage.isEmpty ? "the server refused the request" : serverMessage)
        default:
            return error(.invalidResponse, "unexpected HTTP status \(status)\(said)")
        }
    }

    /// Turns a failure to get an answer into `.cancelled`, `.ambiguousSubmission` or a retryable `.transport`.
    func classify(_ failure: TransportFailure, submission: Bool, url: String) -> any Error {
        let reason = redact(Self.describe(failure.underlying))
        let cancelled = Task.isCancelled || failure.underlying is CancellationError
            || (failure.underlying as? HTTPClientError) == .cancelled
        if submission && failure.bodyStarted {
            return VideoAPIError(
                kind: .ambiguousSubmission,
                message: "the create request was sent but no answer came (\(cancelled ? "interrupted" : reason)); "
                    + "the job may have been created, so it is not re-sent"
            )
        }
        if cancelled {
            return VideoAPIError(kind: .cancelled, message: "cancelled")
        }
        return RetryableFailure(
            error: VideoAPIError(kind: .transport, message: "no answer from \(Self.hostDescription(url)): \(reason)"),
            retryAfter: nil
        )
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return error.description }
        if error is CancellationError { return "cancelled" }
        return String(describing: error)
    }

    static func hostDescription(_ url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host else { return "the server" }
        return parsed.port.map { "\(host):\($0)" } ?? host
    }

    /// Removes the API key from any text that may come from elsewhere (server messages, errors).
    func redact(_ text: String) -> String {
        let key = configuration.apiKey.value
        guard !key.isEmpty else { return text }
        return text.replacingOccurrences(of: key, with: "<redacted>")
    }

    // MARK: - Retry loop and sleeping

    func withRetries<T>(
        _ policy: RetryPolicy, scope: String, _ operation: (Int) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch let failure as RetryableFailure {
                try await retryOrThrow(failure, policy: policy, scope: scope, attempt: attempt)
            }
            attempt += 1
        }
    }

    private func retryOrThrow(_ failure: RetryableFailure, policy: RetryPolicy, scope: String, attempt: Int) async throws {
        if Task.isCancelled { throw VideoAPIError(kind: .cancelled, message: "cancelled") }
        guard attempt < policy.maxAttempts else {
            var error = failure.error
            error.retryAfter = failure.retryAfter
            if attempt > 1 { error.message += " (gave up after \(attempt) attempts)" }
            throw error
        }
        guard let delay = policy.delay(beforeRetry: attempt, retryAfter: failure.retryAfter, random: configuration.random()) else {
            var error = failure.error
            error.retryAfter = failure.retryAfter
            error.message += " (the server asked to wait longer than the \(scope) retry policy's maximum delay)"
            throw error
        }
        logger.debug(
            "retrying",
            metadata: ["scope": "\(scope)", "attempt": "\(attempt)", "delay": "\(delay)", "reason": "\(failure.error)"]
        )
        try await sleep(for: delay)
    }

    func sleep(for duration: Duration) async throws {
        do {
            try await clock.sleep(for: duration)
        } catch {
            throw VideoAPIError(kind: .cancelled, message: "cancelled")
        }
    }

    // MARK: - Helpers

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let parts = duration.components
        return .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }

    static func pathComponent(_ id: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }
}

// MARK: - Request body that records whether it started to go out

/// Set once AsyncHTTPClient pulls the first body chunk, which it does only after writing the request head.
final class SendProgress: Sendable {
    private let state = Mutex(false)
    var started: Bool { state.withLock { $0 } }
    func markStarted() { state.withLock { $0 = true } }
}

struct TrackedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]
    let progress: SendProgress

    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let chunks: [ByteBuffer]
        let progress: SendProgress

        mutating func next() async throws -> ByteBuffer? {
            progress.markStarted()
            guard index < chunks.count else { return nil }
            defer { index += 1 }
            return chunks[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: chunks, progress: progress)
    }
}
