public import VeoProvider

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

extension ImageSpec {
    /// The source as written, before paths are resolved and frames matched to jobs (for checking
    /// the provider's rules on a request as the manifest writes it).
    var writtenSource: ImageSource {
        switch self {
        case .path(let written): .file(path: written, written: written)
        case .url(let url): .url(url)
        case .frame(let reference): .frame(job: reference.shot.value, frame: reference.frame)
        }
    }
}

/// The fields a job is made of; defaults, shots and variants each set some of them.
public struct JobFields: Sendable {
    public var model: Located<VideoModel>?
    public var prompt: Located<String>?
    public var seconds: Located<ClipSeconds>?
    public var size: Located<VideoSize>?
    public var references: Located<[Located<ImageSpec>]>?
    public var firstFrame: Located<ImageSpec>?
    public var lastFrame: Located<ImageSpec>?

    public init() {}

    /// The images in the order the provider receives them: first frame, last frame, references.
    public var images: [(role: RequestInput.Role, image: Located<ImageSpec>)] {
        var images: [(role: RequestInput.Role, image: Located<ImageSpec>)] = []
        if let firstFrame { images.append((.firstFrame, firstFrame)) }
        if let lastFrame { images.append((.lastFrame, lastFrame)) }
        for reference in references?.value ?? [] { images.append((.reference, reference)) }
        return images
    }

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
    /// What the output folder may spend on this manifest (`budget:`).
    public var budget: ManifestBudget?
    /// Prices the estimates use (`prices:`), over the list prices.
    public var prices: Located<PriceTable>?
    /// Sequences cut together from the shots' clips (`cuts:`), in manifest order.
    public var cuts: [Cut] = []

    /// The most takes a shot may ask for.
    public static let maxTakes = 20
}
