/// One generation request: what a job asks the provider to render. The planner builds it once;
/// the cache key, the client's encoders and the run report all read this same value.
public struct GenerationRequest: Sendable, Hashable {
    public var model: VideoModel
    /// The prompt as sent (variables already expanded).
    public var prompt: String
    public var seconds: ClipSeconds
    public var size: VideoSize
    /// In the order the provider receives them: first frame then last frame, or the references.
    public var inputs: [RequestInput]

    /// Some images are URLs and some are uploads: `run` fetches the URL images and uploads all.
    public var mixesURLsAndUploads: Bool {
        let uploads = inputs.count { $0.source.isUpload }
        return uploads > 0 && uploads < inputs.count
    }

    public init(model: VideoModel, prompt: String, seconds: ClipSeconds, size: VideoSize, inputs: [RequestInput] = []) {
        self.model = model
        self.prompt = prompt
        self.seconds = seconds
        self.size = size
        self.inputs = inputs
    }
}

/// An input image of a request and the role it plays.
public struct RequestInput: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case reference
        case firstFrame = "first_frame"
        case lastFrame = "last_frame"
    }

    public var role: Role
    public var source: ImageSource

    public init(role: Role, source: ImageSource) {
        self.role = role
        self.source = source
    }
}

/// Which frame of a clip.
public enum FramePosition: String, Sendable, Hashable, Codable, CaseIterable {
    case first
    case last
}

/// Where an input image comes from.
public enum ImageSource: Sendable, Hashable {
    /// A local file: absolute path, and the path as written in the manifest.
    case file(path: String, written: String)
    /// An http(s) URL, passed to the provider as is.
    case url(String)
    /// A frame of an upstream job's clip.
    case frame(job: String, frame: FramePosition)

    /// Uploaded as a file part (a local file or an extracted frame), rather than sent as a URL.
    public var isUpload: Bool {
        if case .url = self { return false }
        return true
    }

    /// Short text for tables: `assets/lion.jpg`, `https://…`, `savanna:last`.
    public var summary: String {
        switch self {
        case .file(_, let written): written
        case .url(let url): url
        case .frame(let job, let frame): "\(job):\(frame.rawValue)"
        }
    }

    /// What kind of source it is.
    public var kind: Kind {
        switch self {
        case .file: .file
        case .url: .url
        case .frame: .job
        }
    }

    /// The frame taken, for a frame of an upstream job.
    public var framePosition: FramePosition? {
        if case .frame(_, let frame) = self { return frame }
        return nil
    }

    /// The kind of an input's source, one name wherever it is written out: the report's and the
    /// plan JSON's `kind`, the contact sheet.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case file
        case url
        /// A frame of another job's clip.
        case job

        /// A kind as written; `frame` (the content key's spelling) is read as ``job``.
        public init?(written: String) {
            if written == "frame" { self = .job } else { self.init(rawValue: written) }
        }

        /// The token hashed into content keys: `frame` for ``job``, as every key written since the
        /// first version spells it (changing it would orphan every cached clip made from a frame).
        public var keyToken: String {
            self == .job ? "frame" : rawValue
        }
    }
}
