import VeoProvider

/// `cuts:`, each value checked at its node. Rules that need the shots (which shot, variant and
/// take a clip names, trims and fades against its length) are the planner's (`Planner+Cuts.swift`).
extension ManifestDecoder {
    mutating func decodeCuts(_ list: Node) -> [Cut] {
        guard t.kind(list) == .sequence else {
            if !t.isNull(list) {
                error("'cuts' must be a list of cuts (each '- id: ...' with 'clips'), but this is \(t.kindDescription(list))", t.position(list))
            }
            return []
        }
        var cuts: [Cut] = []
        for i in 0..<t.count(list) {
            guard let cut = decodeCut(t.item(list, i)) else { continue }
            if let first = cuts.first(where: { $0.id.value == cut.id.value }) {
                error("duplicate cut id '\(cut.id.value)'", cut.id.position,
                      notes: [.note("cut '\(cut.id.value)' is first defined here", at: location(first.id.position))])
                continue
            }
            cuts.append(cut)
        }
        return cuts
    }

    private mutating func decodeCut(_ node: Node) -> Cut? {
        guard t.kind(node) == .mapping else {
            error("a cut must be a mapping with 'id' and 'clips', but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        let position = t.position(node)
        let map = keyed(node, own: CutKey.self, jobFields: false, context: "a cut")
        guard let id = identifier(map[.id], owner: "cut", at: position) else { return nil }
        var cut = Cut(id: id, size: nil, fps: nil, clips: [], position: position)
        if let s = map[CutKey.size] { cut.size = frameSize(s) }
        if let f = map[.fps] {
            if let fps = integer(f), Cut.fpsRange.contains(fps) {
                cut.fps = Located(fps, at: t.position(f))
            } else {
                error("'fps' must be a whole number from \(Cut.fpsRange.lowerBound) to \(Cut.fpsRange.upperBound), not '\(display(f))'", t.position(f))
            }
        }
        guard let clips = map[.clips] else {
            error("cut '\(id.value)' has no 'clips' (the shots it joins, in order)", position)
            return cut
        }
        guard t.kind(clips) == .sequence, t.count(clips) > 0 else {
            error("'clips' must be a list of at least one shot id or {shot, variant, take}", t.position(clips))
            return cut
        }
        for i in 0..<t.count(clips) {
            if let clip = cutClip(t.item(clips, i)) { cut.clips.append(clip) }
        }
        if let first = cut.clips.first, let transition = first.transition, transition.value != .cut {
            error("the first clip of cut '\(id.value)' has a transition, but there is no clip before it to fade from", transition.position)
        }
        return cut
    }

    /// One of the provider's sizes or any `WxH` with even numbers (what H.264 in 4:2:0 needs).
    private mutating func frameSize(_ node: Node) -> Located<FrameSize>? {
        guard let text = string(node, field: "size") else { return nil }
        guard let size = FrameSize(parsing: text.trimmingCharacters(in: .whitespaces)) else {
            error("'size' must be WIDTHxHEIGHT, e.g. \(VideoSize.allCases.map(\.rawValue).joined(separator: " or ")), not '\(DiagnosticText.excerpt(text))'", t.position(node))
            return nil
        }
        let range = 2...FrameSize.maxSide
        guard range.contains(size.width), range.contains(size.height), size.width % 2 == 0, size.height % 2 == 0 else {
            error("'size' \(size) must have even width and height from 2 to \(FrameSize.maxSide) (H.264 in 4:2:0 needs even sides)", t.position(node))
            return nil
        }
        return Located(size, at: t.position(node))
    }

    /// `savanna` or `{shot, variant?, take?, transition?, trim?}`.
    private mutating func cutClip(_ node: Node) -> CutClip? {
        let position = t.position(node)
        if t.kind(node) == .scalar, !t.isNull(node), let shot = t.scalar(node) {
            return CutClip(shot: Located(shot, at: position), variant: nil, take: nil, transition: nil, trim: nil, position: position)
        }
        guard t.kind(node) == .mapping else {
            error("a clip of a cut is a shot id or {shot, variant, take, transition, trim}, but this is \(t.kindDescription(node))", position)
            return nil
        }
        let map = keyed(node, own: CutClipKey.self, jobFields: false, context: "a clip of a cut")
        guard let shotNode = map[.shot], let shot = string(shotNode, field: "shot") else {
            if map[.shot] == nil { error("a clip of a cut needs 'shot' (the shot whose clip it uses)", position) }
            return nil
        }
        var clip = CutClip(shot: Located(shot, at: t.position(shotNode)), variant: nil, take: nil, transition: nil, trim: nil, position: position)
        if let v = map[.variant], let s = string(v, field: "variant") { clip.variant = Located(s, at: t.position(v)) }
        if let tk = map[.take] {
            if let n = integer(tk), n >= 1 {
                clip.take = Located(n, at: t.position(tk))
            } else {
                error("'take' must be a whole number from 1, not '\(display(tk))'", t.position(tk))
            }
        }
        if let tr = map[.transition] { clip.transition = transition(tr) }
        if let tm = map[.trim] { clip.trim = trim(tm) }
        return clip
    }

    /// `cut`, `fade` (half a second), `{type: cut}` or `{type: fade, seconds: S}`.
    private mutating func transition(_ node: Node) -> Located<CutTransition>? {
        let position = t.position(node)
        var typeNode = node
        var secondsNode: Node?
        if t.kind(node) == .mapping {
            let map = keyed(node, own: TransitionKey.self, jobFields: false, context: "a transition")
            guard let type = map[.type] else {
                error("a transition needs 'type: cut' or 'type: fade'", position)
                return nil
            }
            typeNode = type
            secondsNode = map[TransitionKey.seconds]
        }
        guard let kind = TransitionType.allCases.first(where: { t.scalar(typeNode, equals: $0.name) }) else {
            error("a transition's type must be 'cut' or 'fade', not '\(display(typeNode))'\(Suggest.didYouMean(t.scalar(typeNode) ?? "", ["cut", "fade"]))", t.position(typeNode))
            return nil
        }
        switch kind {
        case .cut:
            if let s = secondsNode { error("a hard cut takes no 'seconds'; use 'type: fade' for a transition with a length", t.position(s)) }
            return Located(.cut, at: position)
        case .fade:
            guard let s = secondsNode else { return Located(.fade(seconds: CutTransition.defaultFadeSeconds), at: position) }
            guard let seconds = number(s), seconds.isFinite, seconds > 0 else {
                error("a fade's 'seconds' must be a number of seconds above 0, not '\(display(s))'", t.position(s))
                return nil
            }
            return Located(.fade(seconds: seconds), at: t.position(s))
        }
    }

    /// `{start?, end?}`, in seconds of the clip.
    private mutating func trim(_ node: Node) -> CutTrim? {
        let position = t.position(node)
        guard t.kind(node) == .mapping else {
            error("'trim' must be a mapping with 'start' and/or 'end' (seconds of the clip), but this is \(t.kindDescription(node))", position)
            return nil
        }
        let map = keyed(node, own: TrimKey.self, jobFields: false, context: "'trim'")
        var trim = CutTrim(start: nil, end: nil, position: position)
        for (key, name) in [(TrimKey.start, "start"), (.end, "end")] {
            guard let n = map[key] else { continue }
            guard let value = number(n), value.isFinite, value >= 0 else {
                error("'trim.\(name)' must be a number of seconds of at least 0, not '\(display(n))'", t.position(n))
                continue
            }
            if key == .start { trim.start = Located(value, at: t.position(n)) } else { trim.end = Located(value, at: t.position(n)) }
        }
        if map[.start] == nil && map[.end] == nil { error("'trim' sets neither 'start' nor 'end'", position) }
        if let start = trim.start, let end = trim.end, start.value >= end.value {
            error("'trim.start' (\(Planner.seconds(start.value))) must be before 'trim.end' (\(Planner.seconds(end.value)))", start.position)
        }
        return trim
    }
}

extension CutTransition {
    /// A fade written without its length.
    public static let defaultFadeSeconds = 0.5
}

enum CutKey: Int, MappingKey {
    case id, size, fps, clips

    var name: StaticString {
        switch self {
        case .id: "id"
        case .size: "size"
        case .fps: "fps"
        case .clips: "clips"
        }
    }
}

enum CutClipKey: Int, MappingKey {
    case shot, variant, take, transition, trim

    var name: StaticString {
        switch self {
        case .shot: "shot"
        case .variant: "variant"
        case .take: "take"
        case .transition: "transition"
        case .trim: "trim"
        }
    }
}

enum TransitionKey: Int, MappingKey {
    case type, seconds

    var name: StaticString {
        switch self {
        case .type: "type"
        case .seconds: "seconds"
        }
    }
}

enum TrimKey: Int, MappingKey {
    case start, end

    var name: StaticString {
        switch self {
        case .start: "start"
        case .end: "end"
        }
    }
}

enum TransitionType: CaseIterable {
    case cut, fade

    var name: StaticString {
        switch self {
        case .cut: "cut"
        case .fade: "fade"
        }
    }
}
