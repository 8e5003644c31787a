import AsyncHTTPClient
import NIOCore
import NIOHTTP1

// MARK: - One create or poll exchange: a request and its whole (small) answer

extension VideoAPIClient {
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        /// The body, or its first `maxAnswerBytes` when `truncated`.
        var body: ByteBuffer
        var truncated = false
    }

    /// The most of an answer's body the client reads (video objects and error bodies are small).
    static let maxAnswerBytes = 1 << 20

    /// A failure to get a whole answer.
    struct TransportFailure: Error {
        var problem: TransportProblem
        /// Whether the request body began to go out.
        var bodyStarted: Bool
        /// The answer's status when its head arrived before the failure.
        var status: Int?
    }

    /// Sends one request and reads its answer (up to `maxAnswerBytes`), within the idle and overall
    /// limits of `configuration.answerLimits`. A failure is classified at once (`submission` says
    /// whether it is a create, which is never retried once its body started to go out).
    func exchange(method: HTTPMethod, url: String, body: CreateBody?, attempt: Int) async throws -> Answer {
        let progress = TransferProgress()
        let request = makeRequest(method: method, url: url, body: body, progress: progress)
        logger.debug("request", metadata: ["method": "\(method.rawValue)", "url": "\(url)", "attempt": "\(attempt)"])
        do {
            let headTimeout = Self.timeAmount(configuration.requestTimeout)
            let answer = try await withTransferLimits(configuration.answerLimits, progress: progress) {
                let response = try await self.httpClient.execute(request, timeout: headTimeout)
                progress.receivedHead(status: Int(response.status.code))
                let (bytes, truncated) = try await Self.collect(response.body, upTo: Self.maxAnswerBytes, progress: progress)
                return Answer(status: Int(response.status.code), headers: response.headers, body: bytes, truncated: truncated)
            }
            logger.debug(
                "answer",
                metadata: ["method": "\(method.rawValue)", "url": "\(url)", "status": "\(answer.status)",
                           "bytes": "\(answer.body.readableBytes)"]
            )
            return answer
        } catch {
            let failure = transportFailure(error, progress: progress)
            logger.debug(
                "no answer",
                metadata: ["method": "\(method.rawValue)", "url": "\(url)", "reason": "\(failure.problem.reason)",
                           "bodyStarted": "\(failure.bodyStarted)"]
            )
            throw classify(failure, submission: method == .POST, url: url)
        }
    }

    func transportFailure(_ error: any Error, progress: TransferProgress) -> TransportFailure {
        let problem = Task.isCancelled ? .cancelled : TransportProblem.of(error, connectTimeout: configuration.connectTimeout)
        return TransportFailure(problem: problem, bodyStarted: progress.bodyStarted, status: progress.status)
    }

    private func makeRequest(method: HTTPMethod, url: String, body: CreateBody?, progress: TransferProgress) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.value)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "veo-pipeline")
        if let body {
            request.headers.add(name: "Content-Type", value: body.contentType)
            request.body = .stream(TrackedBody(chunks: body.chunks, progress: progress), length: .known(body.length))
        }
        return request
    }

    /// Reads `body` up to `limit` bytes; stops reading (and says so) when there is more.
    static func collect(
        _ body: HTTPClientResponse.Body, upTo limit: Int, progress: TransferProgress
    ) async throws -> (ByteBuffer, truncated: Bool) {
        var collected = ByteBuffer()
        for try await chunk in body {
            progress.received(bytes: chunk.readableBytes)
            let room = limit - collected.readableBytes
            if chunk.readableBytes > room {
                if let head = chunk.getSlice(at: chunk.readerIndex, length: room) { collected.writeImmutableBuffer(head) }
                return (collected, true)
            }
            collected.writeImmutableBuffer(chunk)
        }
        return (collected, false)
    }
}

// MARK: - Request body that records its progress

/// The request body in slices of at most `sliceBytes`: each slice AsyncHTTPClient pulls marks the
/// exchange as active (an upload is not idle) and, the first one, as started (AsyncHTTPClient pulls
/// the body only after writing the request head).
struct TrackedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    static let sliceBytes = 64 << 10
    let slices: [ByteBuffer]
    let progress: TransferProgress

    init(chunks: [ByteBuffer], progress: TransferProgress) {
        var slices: [ByteBuffer] = []
        for chunk in chunks {
            var rest = chunk
            while let slice = rest.readSlice(length: Swift.min(Self.sliceBytes, rest.readableBytes)), slice.readableBytes > 0 {
                slices.append(slice)
            }
        }
        self.slices = slices
        self.progress = progress
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let slices: [ByteBuffer]
        let progress: TransferProgress

        mutating func next() async throws -> ByteBuffer? {
            progress.sendingBody()
            guard index < slices.count else { return nil }
            defer { index += 1 }
            return slices[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(slices: slices, progress: progress)
    }
}
