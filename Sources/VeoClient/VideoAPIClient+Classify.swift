import Foundation
import NIOCore

// MARK: - Classifying answers and failures

extension VideoAPIClient {
    /// A failure worth another attempt within the current scope.
    struct RetryableFailure: Error {
        var error: VideoAPIError
        var retryAfter: Duration?
    }

    /// Turns a non-2xx answer into a fatal `VideoAPIError` or a `RetryableFailure`.
    func classify(_ answer: Answer, submission: Bool) -> any Error {
        let status = answer.status
        let detail = serverDetail(of: answer)
        let retryAfter = answer.headers.first(name: "retry-after").flatMap { RetryAfter.parse($0) }
        func error(_ kind: VideoAPIError.Kind, _ message: String) -> VideoAPIError {
            VideoAPIError(kind: kind, httpStatus: status, code: detail.code, message: message, param: detail.param)
        }
        let said = detail.message.isEmpty ? "" : ": \(detail.message)"
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
                let quoted = detail.message.isEmpty ? "" : " (\"\(detail.message)\")"
                return error(
                    .ambiguousSubmission,
                    "the create request was sent and the server answered HTTP \(status)\(quoted)" + Self.notResent
                )
            }
            return RetryableFailure(error: error(.server, "server error\(said)"), retryAfter: retryAfter)
        case 400..<500:
            return error(.badRequest, detail.message.isEmpty ? "the server refused the request" : detail.message)
        default:
            return error(.invalidResponse, "unexpected HTTP status \(status)\(said)")
        }
    }

    /// The `error` object of an error answer (or the start of its body), every string fit to pass on.
    private func serverDetail(of answer: Answer) -> (message: String, code: String?, param: String?) {
        guard let detail = APIErrorBody.decode(answer.body) else {
            return (excerpt(of: answer.body), nil, nil)
        }
        let message = detail.message.map { fromServer($0) } ?? ""
        let code = (detail.code ?? detail.type).map { fromServer($0, limit: 100) }
        return (message, code, detail.param.map { fromServer($0, limit: 100) })
    }

    /// Turns a failure to get a whole answer into `.cancelled`, `.ambiguousSubmission`, or a
    /// retryable `.unreachable` (no connection) or `.transport` (the connection failed).
    func classify(_ failure: TransportFailure, submission: Bool, url: String) -> any Error {
        if submission && failure.bodyStarted {
            return VideoAPIError(kind: .ambiguousSubmission, message: Self.unansweredSubmission(failure))
        }
        let origin = ServerOrigin(url)?.display ?? "the server"
        let error: VideoAPIError
        switch failure.problem {
        case .cancelled:
            return VideoAPIError(kind: .cancelled, message: "cancelled")
        case .connect(let reason):
            error = VideoAPIError(kind: .unreachable, message: "cannot connect to \(origin): \(reason)")
        case .broken(let reason):
            let message = failure.status.map { "the answer from \(origin) (HTTP \($0)) did not finish: \(reason)" }
            error = VideoAPIError(kind: .transport, message: message ?? "no answer from \(origin): \(reason)")
        }
        return RetryableFailure(error: error, retryAfter: nil)
    }

    /// What happened to a create request whose body went out and whose answer did not come whole.
    static func unansweredSubmission(_ failure: TransportFailure) -> String {
        let reason = failure.problem == .cancelled ? "interrupted" : failure.problem.reason
        if let status = failure.status {
            return "the create request was sent and the server began an answer (HTTP \(status)) that did not finish (\(reason))"
                + notResent
        }
        return "the create request was sent but no answer came (\(reason))" + notResent
    }

    // MARK: - Video objects

    /// Why an answer is not a usable video object.
    enum VideoAnswerProblem: Error {
        case tooLarge
        case notAVideoObject(excerpt: String)
        case invalidID(excerpt: String)

        var text: String {
            switch self {
            case .tooLarge: "the answer is larger than \(VideoAPIClient.maxAnswerBytes) bytes (not a video object)"
            case .notAVideoObject(let excerpt) where excerpt.isEmpty: "the answer is empty (not a video object)"
            case .notAVideoObject(let excerpt): "the answer is not a video object: \"\(excerpt)\""
            case .invalidID(let excerpt): "the video id in the answer is not valid: \"\(excerpt)\""
            }
        }
    }

    /// The video object in a 2xx answer, its id checked and its strings fit to pass on.
    func videoObject(in answer: Answer) -> Result<VideoObject, VideoAnswerProblem> {
        if answer.truncated { return .failure(.tooLarge) }
        guard let video = try? VideoObjectWire.decode(answer.body) else {
            return .failure(.notAVideoObject(excerpt: excerpt(of: answer.body, limit: 200)))
        }
        let key = configuration.apiKey.value
        guard VideoID.isValid(video.id), key.isEmpty || !video.id.contains(key) else {
            return .failure(.invalidID(excerpt: fromServer(video.id, limit: 100)))
        }
        return .success(cleaned(video))
    }
}
