import NIOCore

// MARK: - Retrieving a job's video object

extension VideoAPIClient {
    /// The job's video object, and the server's `openai-poll-after-ms` hint when it sent one.
    /// Retried within the poll scope (429, 5xx, transport errors, stalled answers). An answer for
    /// another video id, or with an invalid one, is refused (`.invalidResponse`, not retried); an
    /// `id` that is not a valid video id is refused before anything is sent.
    public func retrieve(id: String) async throws -> (video: VideoObject, pollAfter: Duration?) {
        try checkRequestedID(id)
        let url = videoURL(id)
        return try await withRetries(configuration.pollRetry, scope: "poll") { attempt in
            let answer = try await self.exchange(method: .GET, url: url, body: nil, attempt: attempt)
            guard (200..<300).contains(answer.status) else {
                throw self.classify(answer, submission: false)
            }
            let video = try self.polledVideo(in: answer, id: id)
            let hint = answer.headers.first(name: "openai-poll-after-ms").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            return (video, hint.map { Duration.milliseconds(max(0, $0)) })
        }
    }

    private func polledVideo(in answer: Answer, id: String) throws -> VideoObject {
        let video: VideoObject
        switch videoObject(in: answer) {
        case .success(let decoded):
            video = decoded
        case .failure(.invalidID(let excerpt)):
            throw VideoAPIError(
                kind: .invalidResponse, httpStatus: answer.status,
                message: "the answer for video \(id) carries an invalid video id (\(excerpt))"
            )
        case .failure(let problem):
            // Perhaps a proxy's page in place of the answer: ask again.
            throw RetryableFailure(
                error: VideoAPIError(
                    kind: .invalidResponse, httpStatus: answer.status, message: "the answer for video \(id): \(problem.text)"
                ),
                retryAfter: nil
            )
        }
        guard video.id == id else {
            throw VideoAPIError(
                kind: .invalidResponse, httpStatus: answer.status,
                message: "the server answered the poll of video \(id) with another video (\"\(video.id)\"); it is not followed"
            )
        }
        return video
    }
}
