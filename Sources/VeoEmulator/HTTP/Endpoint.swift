import Hummingbird

/// The provider's endpoints the emulator serves: their paths and methods, whether they need a
/// bearer token, and what the request log calls their requests. The API router registers its
/// routes from this table, and requests no route matched are told 405 or 404 from it.
enum Endpoint: CaseIterable, Sendable {
    /// `POST /v1/videos`
    case createVideo
    /// `GET /v1/videos/{id}`
    case video
    /// `GET /v1/videos/{id}/content`
    case content
    /// `GET|HEAD /files/{id}.mp4`: the clip itself (the content endpoint redirects here).
    case file

    /// One segment of a path pattern.
    private enum Segment {
        case literal(String)
        /// The video id, followed by `suffix` in the same segment.
        case videoID(suffix: String)
    }

    private var pattern: [Segment] {
        switch self {
        case .createVideo: [.literal("v1"), .literal("videos")]
        case .video: [.literal("v1"), .literal("videos"), .videoID(suffix: "")]
        case .content: [.literal("v1"), .literal("videos"), .videoID(suffix: ""), .literal("content")]
        case .file: [.literal("files"), .videoID(suffix: ".mp4")]
        }
    }

    /// The route's path, with the video id as the parameter `id`.
    var path: RouterPath {
        let segments = pattern.map { segment in
            switch segment {
            case .literal(let text): text
            case .videoID(let suffix): "{\(Self.idParameter)}\(suffix)"
            }
        }
        return RouterPath("/" + segments.joined(separator: "/"))
    }

    static let idParameter = "id"

    var methods: [HTTPRequest.Method] {
        switch self {
        case .createVideo: [.post]
        case .video, .content: [.get]
        case .file: [.get, .head]
        }
    }

    /// The `Allow` header of a 405 answer: the methods, less HEAD (which goes with GET).
    var allow: String {
        methods.filter { $0 != .head }.map(\.rawValue).joined(separator: ", ")
    }

    /// Whether requests need `Authorization: Bearer <key>` (the clip files do not: like a
    /// storage link, the redirect's target is open).
    var needsBearerToken: Bool { self != .file }

    var kind: RecordedRequest.Kind {
        switch self {
        case .createVideo: .create
        case .video: .poll
        case .content: .content
        case .file: .file
        }
    }

    /// The endpoint whose path pattern `path` fits, whatever the method, and the video id in it.
    static func match(_ path: String) -> (endpoint: Endpoint, videoID: String?)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for endpoint in allCases where endpoint.pattern.count == parts.count {
            var videoID: String?
            let fits = zip(endpoint.pattern, parts).allSatisfy { segment, part in
                switch segment {
                case .literal(let text):
                    return part == text
                case .videoID(let suffix):
                    guard part.hasSuffix(suffix) else { return false }
                    videoID = String(part.dropLast(suffix.count))
                    return true
                }
            }
            if fits { return (endpoint, videoID) }
        }
        return nil
    }
}
