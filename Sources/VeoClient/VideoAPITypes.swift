import Foundation
public import VeoProvider

// MARK: - Contract between the API client and the rest of VeoCore (Execution).
// The client implementation lives beside this file (VideoAPIClient.swift etc.).

/// An API key. Never printed: `description` and `debugDescription` are redacted.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "APIKey(<redacted>)" }
}

/// The bytes of one uploaded `input_reference` part: a local image file (the manifest's file, or a
/// frame extracted from an upstream clip), in the order of the request's uploaded inputs.
public struct ImageUpload: Sendable, Hashable {
    public var path: String
    public var format: ImageFormat

    public init(path: String, format: ImageFormat) {
        self.path = path
        self.format = format
    }
}

/// A job's status, normalised. Unknown statuses are not terminal.
public enum VideoStatus: Sendable, Hashable {
    case queued
    case inProgress
    case completed
    case failed
    case expired
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "queued": self = .queued
        case "in_progress": self = .inProgress
        case "completed": self = .completed
        case "failed": self = .failed
        case "expired": self = .expired
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .queued: "queued"
        case .inProgress: "in_progress"
        case .completed: "completed"
        case .failed: "failed"
        case .expired: "expired"
        case .unknown(let raw): raw
        }
    }

    /// `completed`, `failed` and `expired` end a job.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .expired: true
        case .queued, .inProgress, .unknown: false
        }
    }
}

/// The error a failed job carries (`error {code, message}` in the video object).
public struct VideoJobError: Sendable, Hashable, Codable {
    public var code: String?
    public var message: String?
    public init(code: String?, message: String?) {
        self.code = code
        self.message = message
    }
}

/// The provider's video object.
public struct VideoObject: Sendable, Hashable {
    public var id: String
    public var status: VideoStatus
    public var progress: Double?
    public var model: String?
    public var seconds: Int?
    public var size: String?
    public var videoURL: String?
    public var createdAt: Int?
    public var completedAt: Int?
    public var expiresAt: Int?
    public var error: VideoJobError?

    public init(
        id: String, status: VideoStatus, progress: Double? = nil, model: String? = nil,
        seconds: Int? = nil, size: String? = nil, videoURL: String? = nil, createdAt: Int? = nil,
        completedAt: Int? = nil, expiresAt: Int? = nil, error: VideoJobError? = nil
    ) {
        self.id = id
        self.status = status
        self.progress = progress
        self.model = model
        self.seconds = seconds
        self.size = size
        self.videoURL = videoURL
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.expiresAt = expiresAt
        self.error = error
    }
}

/// A finished download: the file was verified (byte count, MP4 signature) and renamed into place.
public struct DownloadResult: Sendable, Hashable {
    public var path: String
    public var bytes: Int64
    /// Hex sha256 of the file's bytes, computed while streaming.
    public var sha256: String
    /// HTTP requests the download took: every attempt and every redirect it followed.
    public var requests: Int
    public init(path: String, bytes: Int64, sha256: String, requests: Int = 1) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
        self.requests = requests
    }
}
