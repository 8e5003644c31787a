import VeoClient
public import VeoSupport
public import VeoReport

/// A job's failure: its code, the provider's own code when it gave one, and a message for people.
public struct JobFailure: UserFacingError, Sendable, Hashable {
    public var description: String { message }

    public var code: FailureCode
    public var message: String
    /// The provider's code (e.g. `content_policy_violation`), when it sent one.
    public var providerCode: String?
    /// Create requests sent for this job, when the failure came while submitting.
    public var attempts: Int?

    public init(_ code: FailureCode, _ message: String, providerCode: String? = nil, attempts: Int? = nil) {
        self.code = code
        self.message = message
        self.providerCode = providerCode
        self.attempts = attempts
    }

    /// A client error as a job failure, with the code its kind maps to.
    init(_ error: VideoAPIError, message: String? = nil) {
        let code: FailureCode = switch error.kind {
        case .unauthorized: .unauthorized
        case .badRequest: error.httpStatus == 404 ? .notFound : .badRequest
        case .rateLimited: .rateLimited
        case .server: .serverError
        case .unreachable: .unreachable
        case .transport, .cancelled: .transport
        case .ambiguousSubmission: .ambiguousSubmission
        case .deadlineExceeded: .jobTimeout
        case .jobFailed: .generationFailed
        case .download: .downloadFailed
        case .invalidResponse: .invalidResponse
        }
        self.init(code, message ?? error.description, providerCode: error.code)
    }
}
