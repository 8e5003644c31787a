import Foundation
public import VeoProvider
import VeoSupport
import NIOCore

// MARK: - Creating a job

/// One create attempt as the caller may journal it.
public enum SubmitAttempt: Sendable, Hashable {
    /// The request of attempt `attempt` (1-based) is about to go out.
    case sending(attempt: Int)
    /// The server provably did not take attempt `attempt`: it answered 429, 503, 408 or another
    /// 4xx (`httpStatus`), or no byte of the request body went out (`httpStatus` nil).
    case notTaken(attempt: Int, httpStatus: Int?)
}

extension VideoAPIClient {
    /// Creates a generation job. JSON when every image is a URL; `multipart/form-data` with one
    /// `input_reference` file part per image, in order, when they are uploads (`uploads` holds their
    /// files, in the order of the request's uploaded inputs). A request that breaks a provider rule
    /// (`RequestRules`) is refused before anything is sent. Each local file is read once; retries
    /// reuse the bytes.
    ///
    /// `onAttempt` sees `.sending` before each attempt's request goes out (when it throws, nothing
    /// is sent and its error comes out) and `.notTaken` after each answer or failure that proves the
    /// server did not take that attempt (before any backoff), so a caller can journal every attempt.
    public func create(
        _ request: GenerationRequest, uploads: [ImageUpload],
        onAttempt: @Sendable (SubmitAttempt) async throws -> Void = { _ in }
    ) async throws -> VideoObject {
        let body = try makeCreateBody(request, uploads: uploads)
        let url = configuration.root + "/v1/videos"
        let video = try await withRetries(configuration.submitRetry, scope: "submit") { attempt in
            try await onAttempt(.sending(attempt: attempt))
            do {
                return try await submitOnce(body, url: url, attempt: attempt)
            } catch {
                if let report = Self.notTaken(error, attempt: attempt) { try await onAttempt(report) }
                throw error
            }
        }
        renderHistory.created(video, at: sinceStart())
        return video
    }

    /// ``create(_:uploads:onAttempt:)`` without a callback (the form `VideoService` names).
    public func create(_ request: GenerationRequest, uploads: [ImageUpload]) async throws -> VideoObject {
        try await create(request, uploads: uploads, onAttempt: { _ in })
    }

    private func submitOnce(_ body: CreateBody, url: String, attempt: Int) async throws -> VideoObject {
        let answer = try await exchange(method: .POST, url: url, body: body, attempt: attempt)
        guard (200..<300).contains(answer.status) else {
            throw classify(answer, submission: true)
        }
        switch videoObject(in: answer) {
        case .success(let video):
            return video
        case .failure(let problem):
            throw VideoAPIError(
                kind: .ambiguousSubmission, httpStatus: answer.status,
                message: "the create request was sent and the server answered HTTP \(answer.status), but \(problem.text)"
                    + Self.notResent
            )
        }
    }

    /// The report for a failed attempt that proves the server did not take it, else nil.
    static func notTaken(_ error: any Error, attempt: Int) -> SubmitAttempt? {
        if let failure = error as? RetryableFailure {
            // In the submit scope only 429, 408, 503 and failures before the body are retried.
            return .notTaken(attempt: attempt, httpStatus: failure.error.httpStatus)
        }
        guard let error = error as? VideoAPIError else { return nil }
        if let status = error.httpStatus, (400..<500).contains(status) {
            return .notTaken(attempt: attempt, httpStatus: status)
        }
        // Inside an attempt, `.cancelled` means the interrupt came before the body went out (after
        // that it is an ambiguous submission).
        return error.kind == .cancelled ? .notTaken(attempt: attempt, httpStatus: nil) : nil
    }

    /// The end of every ambiguous-submission message.
    static let notResent = "; the job may have been created, so it is not re-sent (check the provider's console before retrying)"

    struct CreateBody: Sendable {
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
                    field: RequestFields.inputsWireName, filename: URL(fileURLWithPath: upload.path).lastPathComponent,
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
}
