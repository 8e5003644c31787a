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
    /// Fields written with a value that is not valid (the decoder reported each): the value in
    /// their place, if any, is a default or an outer level's, so a rule that needs the value
    /// (a trim against `seconds`, an image against `size`) says nothing more about it.
    var invalid: Set<JobKey> = []

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
        if !invalid.isEmpty || !other.invalid.isEmpty {
            result.invalid = invalid.filter { other.position(of: $0) == nil }.union(other.invalid)
        }
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
    /// The shot's variants: as written, or, with a `matrix`, every combination of it (each written
    /// variant crossed with every combination). Nothing after the decoder tells them apart.
    public var variants: [Variant]
    /// `matrix:` as written (its combinations are already in `variants`).
    public var matrix: ShotMatrix?
    public var position: SourcePosition

    public var takeCount: Int { takes?.value ?? 1 }

    /// A matrix that made no variant (no valid axis, or too many combinations; reported by the
    /// decoder): the shot has no job, and nothing else is said about it.
    var matrixMadeNoVariants: Bool { matrix != nil && variants.isEmpty }

    /// A matrix with an error of its own (an unknown axis, a value that is not valid...): the
    /// variants it would have made are not known, so a name that matches none of those it made
    /// is not reported again.
    var matrixHasErrors: Bool { matrix?.hasErrors ?? false }
}

/// A shot's `matrix:`: job fields (axes), each with a list of values. Every combination of one
/// value per axis is a variant of the shot, whose id joins the values' tokens in axis order
/// (`720x1280-fast`), after the written variant's id when the shot also has `variants`
/// (`dusk-720x1280-fast`). The decoder expands it (`ManifestDecoder+Matrix.swift`).
public struct ShotMatrix: Sendable {
    public struct Axis: Sendable {
        let key: JobKey
        public var values: [Value]
        /// Where the axis's key is written.
        public var position: SourcePosition

        /// The job field, as written in YAML (`size`, `first_frame`...).
        public var field: String { "\(key.name)" }
    }

    public struct Value: Sendable {
        /// Its part of a variant id: `1280x720`, `fast`, `8s`, `p2` (by place in the list), or the
        /// name given with `{id: NAME, value: ...}`.
        public var token: String
        /// The one field it sets, located at the list item (or the item's `value`).
        public var fields: JobFields
        public var position: SourcePosition
    }

    /// In the order written: the order of tokens in the ids.
    public var axes: [Axis]
    /// The ids of the written `variants` crossed with every combination (none without `variants`).
    public var crossed: [String] = []
    /// Where the matrix mapping starts (diagnostics about the matrix as a whole point here).
    public var position: SourcePosition
    /// The decoder reported an error inside the matrix (an axis or a value was left out).
    var hasErrors = false

    /// The most variants a matrix may make (combinations, times the written variants).
    public static let maxCombinations = 256
    /// The most variants all the matrices of a manifest may make together: a guard against a small
    /// file (a matrix behind an alias, say) expanding to millions of jobs.
    public static let maxVariantsPerManifest = 10_000

    /// How many variants it makes: combinations times the written variants (at most `Int.max`;
    /// none without an axis).
    public var variantCount: Int {
        guard !axes.isEmpty else { return 0 }
        var count = max(1, crossed.count)
        for axis in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
            count = overflow ? Int.max : product
        }
        return count
    }
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

    /// The variants its matrices make, each within `ShotMatrix.maxCombinations` (those beyond it
    /// make none).
    var matrixVariantCount: Int {
        shots.reduce(0) { sum, shot in
            guard let count = shot.matrix?.variantCount, count <= ShotMatrix.maxCombinations else { return sum }
            return sum + count
        }
    }
}
