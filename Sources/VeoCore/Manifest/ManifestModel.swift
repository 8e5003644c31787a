/// A value and where it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var position: SourcePosition

    public init(_ value: Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

/// The two models the provider serves.
public enum VideoModel: String, Sendable, CaseIterable, Codable {
    case standard = "veo-3.1-generate-preview"
    case fast = "veo-3.1-fast-generate-preview"
}

/// The four output sizes the provider accepts.
public enum VideoSize: String, Sendable, CaseIterable, Codable {
    case landscape720 = "1280x720"
    case portrait720 = "720x1280"
    case landscape1080 = "1920x1080"
    case portrait1080 = "1080x1920"

    public var width: Int {
        switch self {
        case .landscape720: 1280
        case .portrait720: 720
        case .landscape1080: 1920
        case .portrait1080: 1080
        }
    }

    public var height: Int {
        switch self {
        case .landscape720: 720
        case .portrait720: 1280
        case .landscape1080: 1080
        case .portrait1080: 1920
        }
    }

    /// 1080p sizes are only offered with 8-second clips.
    public var is1080p: Bool { self == .landscape1080 || self == .portrait1080 }

    public var isPortrait: Bool { height > width }

    /// "16:9" or "9:16".
    public var aspectName: String { isPortrait ? "9:16" : "16:9" }
}

/// Which frame of an upstream clip.
public enum FramePosition: String, Sendable, Hashable, Codable, CaseIterable {
    case first
    case last
}

/// `{shot, variant?, take?, frame}`: a frame of another shot's clip.
public struct FrameReference: Sendable, Hashable {
    public var shot: Located<String>
    public var variant: Located<String>?
    public var take: Located<Int>?
    public var frame: FramePosition
    public var position: SourcePosition
}

/// An image as written in the manifest.
public enum ImageSpec: Sendable, Hashable {
    /// A file path, relative to the manifest's folder (or absolute).
    case path(String)
    /// An http(s) URL.
    case url(String)
    /// A frame of another shot's clip (boxed: it is much larger than the other cases, and every
    /// image field of every shot and variant would otherwise carry its size).
    indirect case frame(FrameReference)
}

/// The fields a job is made of; defaults, shots and variants each set some of them.
public struct JobFields: Sendable {
    public var model: Located<VideoModel>?
    public var prompt: Located<String>?
    public var seconds: Located<Int>?
    public var size: Located<VideoSize>?
    public var references: Located<[Located<ImageSpec>]>?
    public var firstFrame: Located<ImageSpec>?
    public var lastFrame: Located<ImageSpec>?

    public init() {}

    /// These fields with `other`'s set fields on top.
    public func overlaid(by other: JobFields) -> JobFields {
        var result = self
        if let v = other.model { result.model = v }
        if let v = other.prompt { result.prompt = v }
        if let v = other.seconds { result.seconds = v }
        if let v = other.size { result.size = v }
        if let v = other.references { result.references = v }
        if let v = other.firstFrame { result.firstFrame = v }
        if let v = other.lastFrame { result.lastFrame = v }
        return result
    }
}

public struct Variant: Sendable {
    public var id: Located<String>
    public var fields: JobFields
    public var position: SourcePosition
}

public struct Shot: Sendable {
    public var id: Located<String>
    public var fields: JobFields
    public var after: [Located<String>]
    public var takes: Located<Int>?
    public var variants: [Variant]
    public var position: SourcePosition

    public var takeCount: Int { takes?.value ?? 1 }
}

/// A decoded manifest (version 1). Positions point into `file`.
public struct Manifest: Sendable {
    /// The path as given by the user (used in diagnostics).
    public var file: String
    /// The folder relative paths are resolved against.
    public var directory: String
    public var version: Int
    public var name: String
    public var defaults: JobFields
    public var vars: [String: Located<String>]
    public var shots: [Shot]

    /// Defaults the provider applies when a field is absent.
    public static let defaultModel = VideoModel.fast
    public static let defaultSeconds = 6
    public static let defaultSize = VideoSize.landscape720
    public static let allowedSeconds = [4, 6, 8]
    public static let maxTakes = 20
    public static let maxReferences = 3
}
