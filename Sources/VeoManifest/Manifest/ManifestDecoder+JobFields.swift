import Foundation
import VeoProvider

// MARK: - Job fields

extension ManifestDecoder {
    /// The job fields of a mapping (of `defaults`, a shot or a variant).
    mutating func jobFields<Own>(_ map: KeyedMapping<Own>) -> JobFields {
        var f = JobFields()
        for key in JobKey.allCases {
            if let node = map[key] { field(key, node, into: &f) }
        }
        return f
    }

    /// One job field's value decoded into `f`, located at `node` (left unset, and reported, when
    /// it is not valid). Also reads each value of a matrix axis.
    mutating func field(_ key: JobKey, _ node: Node, into f: inout JobFields) {
        switch key {
        case .model: f.model = model(node)
        case .prompt: f.prompt = prompt(node)
        case .seconds: f.seconds = seconds(node)
        case .size: f.size = size(node)
        case .references: f.references = references(node)
        case .firstFrame: f.firstFrame = image(node, field: "first_frame")
        case .lastFrame: f.lastFrame = image(node, field: "last_frame")
        }
        if f.position(of: key) == nil { f.invalid.insert(key) } else { f.invalid.remove(key) }
    }

    private mutating func model(_ m: Node) -> Located<VideoModel>? {
        guard let s = string(m, field: "model") else { return nil }
        if let model = VideoModel(rawValue: s) { return Located(model, at: t.position(m)) }
        error("unknown model '\(s)'\(Suggest.didYouMean(s, VideoModel.allCases.map(\.rawValue))); "
              + "the models are \(Self.spelled(VideoModel.allCases.map(\.rawValue), quoted: true))", t.position(m))
        return nil
    }

    private mutating func seconds(_ s: Node) -> Located<ClipSeconds>? {
        if let n = integer(s), let seconds = ClipSeconds(rawValue: n) { return Located(seconds, at: t.position(s)) }
        error("'seconds' must be \(ClipSeconds.spelledOut), not '\(display(s))'", t.position(s))
        return nil
    }

    private mutating func size(_ s: Node) -> Located<VideoSize>? {
        guard let text = string(s, field: "size") else { return nil }
        if let size = VideoSize(rawValue: text) ?? VideoSize(rawValue: text.lowercased()) { return Located(size, at: t.position(s)) }
        error("unknown size '\(text)'\(Suggest.didYouMean(text, VideoSize.allCases.map(\.rawValue))); "
              + "the sizes are \(Self.spelled(VideoSize.allCases.map(\.rawValue), quoted: false))", t.position(s))
        return nil
    }

    /// "a, b and c" (each in quotes when `quoted`).
    static func spelled(_ words: [String], quoted: Bool) -> String {
        let items = quoted ? words.map { "'\($0)'" } : words
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    private mutating func prompt(_ p: Node) -> Located<String>? {
        if t.isNull(p) || t.scalar(p, equals: "") {
            // Recorded as empty so the planner does not also report the prompt as missing.
            error("'prompt' is empty; describe the scene, camera movement, light and mood", t.position(p))
            return Located("", at: t.position(p))
        }
        return string(p, field: "prompt").map { Located($0, at: t.position(p)) }
    }

    private mutating func references(_ r: Node) -> Located<[Located<ImageSpec>]>? {
        guard t.kind(r) == .sequence else {
            error("'references' must be a list of 1 to \(ProviderLimits.maxReferenceImages) images (e.g. '[assets/lion.jpg]'), but this is \(t.kindDescription(r))", t.position(r))
            return nil
        }
        let count = t.count(r)
        if count == 0 || count > ProviderLimits.maxReferenceImages {
            error("'references' takes 1 to \(ProviderLimits.maxReferenceImages) images, not \(count)", t.position(r))
        }
        var images: [Located<ImageSpec>] = []
        images.reserveCapacity(count)
        for i in 0..<count {
            if let image = image(t.item(r, i), field: "references") { images.append(image) }
        }
        return Located(images, at: t.position(r))
    }

    /// A file path, an http(s) URL, or `{shot, variant?, take?, frame}`.
    mutating func image(_ node: Node, field: String) -> Located<ImageSpec>? {
        let position = t.position(node)
        if t.kind(node) == .mapping { return frameReference(node) }
        let empty = "'\(field)' is empty; give a file path, an http(s) URL or {shot: ..., frame: first|last}"
        guard !t.isNull(node) else {
            error(empty, position)
            return nil
        }
        guard let text = string(node, field: field) else { return nil }
        if text.isBlank {
            error(empty, position)
            return nil
        }
        if text.utf8.contains(UInt8(ascii: ":")), let colon = text.range(of: "://") {
            let scheme = text[..<colon.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else {
                error("unsupported URL scheme '\(scheme)' in '\(text)'; image URLs must be http or https", position)
                return nil
            }
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
                error("'\(text)' is not a valid URL", position)
                return nil
            }
            return Located(.url(text), at: position)
        }
        return Located(.path(text), at: position)
    }

    /// `{shot, variant?, take?, frame}`.
    private mutating func frameReference(_ node: Node) -> Located<ImageSpec>? {
        let position = t.position(node)
        let map = keyed(node, own: FrameKey.self, jobFields: false, context: "a frame reference")
        guard let shotNode = map[.shot], let shot = string(shotNode, field: "shot") else {
            if map[.shot] == nil { error("a frame reference needs 'shot' (the shot whose clip gives the frame)", position) }
            return nil
        }
        var variant: Located<String>?
        if let v = map[.variant], let s = string(v, field: "variant") {
            variant = Located(s, at: t.position(v))
        }
        var take: Located<Int>?
        if let tk = map[.take] {
            guard let n = integer(tk), n >= 1 else {
                error("'take' must be a whole number from 1, not '\(display(tk))'", t.position(tk))
                return nil
            }
            take = Located(n, at: t.position(tk))
        }
        guard let frameNode = map[.frame] else {
            error("a frame reference needs 'frame: first' or 'frame: last'", position)
            return nil
        }
        guard let frame = FramePosition.allCases.first(where: { t.scalar(frameNode, equals: $0.name) }) else {
            if t.kind(frameNode) != .scalar { _ = string(frameNode, field: "frame") }
            error("'frame' must be 'first' or 'last', not '\(display(frameNode))'", t.position(frameNode))
            return nil
        }
        let reference = FrameReference(
            shot: Located(shot, at: t.position(shotNode)), variant: variant, take: take, frame: frame, position: position)
        return Located(.frame(reference), at: position)
    }
}

extension FramePosition {
    /// As written in a manifest.
    var name: StaticString {
        switch self {
        case .first: "first"
        case .last: "last"
        }
    }
}
