import VeoProvider
import VeoSupport

/// The cuts' rules that need the planned jobs: which job each clip names, and trims and fades
/// against the clips' lengths. Each problem is a diagnostic at its node.
extension Planner {
    mutating func planCuts(jobs plan: Plan) -> [PlannedCut] {
        var planned: [PlannedCut] = []
        // Shots by id (first definitions), looked up once per cut and per clip.
        let shots = indexShots(manifest.shots.indices).index
        for cut in manifest.cuts {
            if let shot = shots[cut.id.value].map({ manifest.shots[$0] }) {
                error("cut id '\(cut.id.value)' is also a shot id; give the cut another id so --only can tell them apart", cut.id.position,
                      notes: [.note("shot '\(shot.id.value)' is defined here", at: location(shot.id.position))])
            }
            var clips: [PlannedCutClip] = []
            var complete = true
            var firstSize: VideoSize?
            for clip in cut.clips {
                guard let job = cutJob(clip, plan: plan, shots: shots) else {
                    complete = false
                    continue
                }
                if firstSize == nil { firstSize = job.request.size }
                guard let planned = cutClip(clip, seconds: job.request.seconds.rawValue, job: job.id) else {
                    complete = false
                    continue
                }
                clips.append(planned)
            }
            guard complete, !clips.isEmpty else { continue }
            guard checkFades(clips, of: cut) else { continue }
            let first = firstSize ?? .default
            let size = cut.size?.value ?? FrameSize(width: first.width, height: first.height)
            planned.append(PlannedCut(id: cut.id.value, size: size, fps: cut.fps?.value ?? Cut.defaultFPS, clips: clips, position: cut.position))
        }
        return planned
    }

    /// The job a clip names (its shot, variant and take), or nil after reporting why not.
    private mutating func cutJob(_ clip: CutClip, plan: Plan, shots: [String: Int]) -> PlannedJob? {
        guard let shot = shots[clip.shot.value].map({ manifest.shots[$0] }) else {
            error("clip names unknown shot '\(clip.shot.value)'\(Suggest.didYouMean(clip.shot.value, shotIDs))", clip.shot.position)
            return nil
        }
        if shot.matrixMadeNoVariants { return nil }  // its matrix's error says why
        guard let (variant, take) = namedVariantAndTake(in: shot, variant: clip.variant, take: clip.take, at: clip.position) else { return nil }
        // A 'seconds' that is not valid is reported at its line: a trim is not checked against a
        // default assumed in its place.
        let fields = variant.map { manifest.defaults.overlaid(by: shot.fields).overlaid(by: $0.fields) } ?? manifest.defaults.overlaid(by: shot.fields)
        if fields.invalid.contains(.seconds) { return nil }
        // A shot with errors of its own has no job; its errors are reported already.
        return plan.job(PlannedJob.makeID(shot: shot.id.value, variant: variant?.id.value, take: take))
    }

    /// The clip with its trim checked against the job's seconds.
    private mutating func cutClip(_ clip: CutClip, seconds: Int, job: String) -> PlannedCutClip? {
        let start = clip.trim?.start?.value ?? 0
        let end = clip.trim?.end?.value
        if let s = clip.trim?.start, s.value >= Double(seconds) {
            error("'trim.start' (\(Self.seconds(s.value))) is not within clip '\(job)', which is \(seconds) s long", s.position)
            return nil
        }
        if let e = clip.trim?.end, e.value > Double(seconds) {
            error("'trim.end' (\(Self.seconds(e.value))) is past the end of clip '\(job)', which is \(seconds) s long", e.position)
            return nil
        }
        if let end, start >= end { return nil }  // reported by the decoder
        var fade = 0.0
        if case .fade(let s) = clip.transition?.value { fade = s }
        return PlannedCutClip(job: job, start: start, end: end, fade: fade, seconds: seconds)
    }

    /// A fade must be shorter than both clips it joins (after trimming), and a clip's fade in and
    /// fade out must not overlap.
    private mutating func checkFades(_ clips: [PlannedCutClip], of cut: Cut) -> Bool {
        var ok = true
        for i in clips.indices.dropFirst() where clips[i].fade > 0 {
            let position = cut.clips[i].transition?.position ?? cut.clips[i].position
            let (before, this) = (clips[i - 1], clips[i])
            let (beforeLength, thisLength) = (before.length(clipSeconds: Double(before.seconds)), this.length(clipSeconds: Double(this.seconds)))
            if this.fade >= beforeLength || this.fade >= thisLength {
                error("a fade of \(Self.seconds(this.fade)) must be shorter than both clips it joins: '\(before.job)' is \(Self.seconds(beforeLength)) and '\(this.job)' is \(Self.seconds(thisLength)) as cut",
                      position)
                ok = false
            } else if before.fade + this.fade >= beforeLength {
                error("clip '\(before.job)' (\(Self.seconds(beforeLength)) as cut) fades in for \(Self.seconds(before.fade)) and out for \(Self.seconds(this.fade)); the two fades overlap",
                      position)
                ok = false
            }
        }
        return ok
    }

    /// `0.5 s`, `8 s`.
    static func seconds(_ value: Double) -> String {
        DecimalText.string(value) + " s"
    }
}
