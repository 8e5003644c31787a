import Foundation
import VeoProvider
import VeoSupport

/// Checks a decoded manifest's cross-field rules and expands it into a DAG of jobs
/// (shots × variants × takes), in an order where every job follows its dependencies.
public struct Planner: Sendable {
    public struct Options: Sendable {
        /// Check that local images exist and are PNG, JPEG or WebP.
        public var checkFiles = true
        /// Warn when a reference image's aspect ratio differs from the job's size by more than this.
        public var aspectTolerance = 0.03
        public init() {}
    }

    let manifest: Manifest
    let options: Options
    let images: ImageFileChecker
    var diagnostics: [Diagnostic] = []
    var seenDiagnostics: Set<Diagnostic> = []
    private var resolvedPaths: [String: String] = [:]
    private var checkedImages: [String: ImageFileChecker.Outcome] = [:]
    /// Indexes of shots whose id an earlier shot already has (reported; not planned).
    var duplicates: Set<Int> = []
    /// Some job depends on a job of a later shot: manifest order is not a valid order.
    var dependsOnLaterShot = false

    public init(manifest: Manifest, options: Options = Options(), images: ImageFileChecker = ImageFileChecker()) {
        self.manifest = manifest
        self.options = options
        self.images = images
    }

    /// The plan (nil when there are errors) and every diagnostic found. Under `.accelerated`, a
    /// large manifest is planned in two halves at once (`Accelerated/ParallelPlanning.swift`).
    public static func plan(
        _ manifest: Manifest, options: Options = Options(), images: ImageFileChecker = ImageFileChecker(),
        strategy: LoadStrategy = .accelerated
    ) -> (plan: Plan?, diagnostics: [Diagnostic]) {
        var planner = Planner(manifest: manifest, options: options, images: images)
        var plan = strategy.plansInParallel(shots: manifest.shots.count) ? planner.buildInParallel() : planner.build()
        if !manifest.cuts.isEmpty { plan.cuts = planner.planCuts(jobs: plan) }
        return (planner.diagnostics.contains { $0.severity == .error } ? nil : plan, planner.diagnostics)
    }

    // MARK: - Building

    struct Edge {
        var from: String  // the dependent job
        var to: String  // the job it waits for
        var position: SourcePosition
        var what: String  // "first_frame", "after"…
    }

    /// Who a set of fields belongs to, for messages: "shot 'x'" or "variant 'v' of shot 'x'".
    /// Built into text only when a message needs it.
    struct Owner: CustomStringConvertible {
        var shot: String
        var variant: String?

        var description: String {
            variant.map { "variant '\($0)' of shot '\(shot)'" } ?? "shot '\(shot)'"
        }
    }

    /// Shot ids in manifest order, for "did you mean" (only computed for a message).
    var shotIDs: [String] { manifest.shots.map(\.id.value) }

    /// Shots by id: the index in `manifest.shots` of each id's first definition. The plain build
    /// keeps one dictionary; the parallel one keeps one per part, each built on its part's thread,
    /// and looks earlier parts up first, so an id defined in two parts resolves to its first
    /// definition.
    struct ShotIndex: Sendable {
        var parts: [[String: Int]]

        subscript(id: String) -> Int? {
            for part in parts {
                if let index = part[id] { return index }
            }
            return nil
        }

        /// The index of the parts before `part`.
        func before(_ part: Int) -> ShotIndex { ShotIndex(parts: Array(parts[..<part])) }
    }

    /// The first definition of each id among `manifest.shots[range]`, and the later definitions
    /// with the first one's index.
    func indexShots(_ range: Range<Int>) -> (index: [String: Int], duplicates: [(at: Int, first: Int)]) {
        var index: [String: Int] = [:]
        index.reserveCapacity(range.count)
        var duplicates: [(at: Int, first: Int)] = []
        for i in range {
            // One hash per shot: insert, and put the first back in the rare case of a duplicate.
            if let first = index.updateValue(i, forKey: manifest.shots[i].id.value) {
                index[manifest.shots[i].id.value] = first
                duplicates.append((i, first))
            }
        }
        return (index, duplicates)
    }

    mutating func reportDuplicate(at index: Int, first: Int) {
        let shot = manifest.shots[index]
        duplicates.insert(index)
        error("duplicate shot id '\(shot.id.value)'", shot.id.position,
              notes: [.note("shot '\(shot.id.value)' is first defined here", at: location(manifest.shots[first].id.position))])
    }

    /// The plain build: shots indexed by id (duplicates reported), then each shot planned in
    /// manifest order, then the jobs ordered.
    mutating func build() -> Plan {
        let count = manifest.shots.count
        let (index, duplicated) = indexShots(0..<count)
        for (at, first) in duplicated { reportDuplicate(at: at, first: first) }
        var jobs: [PlannedJob] = []
        jobs.reserveCapacity(count * 2)  // a first guess (variants × takes): the array grows past it
        let edges = planShots(0..<count, shotsByID: ShotIndex(parts: [index])) { jobs.append($0) }
        return order(jobs, edges: edges)
    }

    /// Hands `emit` the jobs of the shots in `range` in order (each shot id's first definition
    /// only: at most variants × takes per shot), and returns their edges.
    mutating func planShots(_ range: Range<Int>, shotsByID: ShotIndex, emit: (PlannedJob) -> Void) -> [Edge] {
        var edges: [Edge] = []
        for index in range {
            let shot = manifest.shots[index]
            guard duplicates.isEmpty || !duplicates.contains(index), !shot.matrixMadeNoVariants else { continue }
            // `after`: every job of the named shot.
            var afterJobs: [(String, SourcePosition)] = []
            for name in shot.after {
                if name.value == shot.id.value {
                    error("shot '\(name.value)' cannot come after itself", name.position)
                } else if let target = shotsByID[name.value] {
                    if target > index { dependsOnLaterShot = true }
                    afterJobs += Self.jobIDs(of: manifest.shots[target]).map { ($0, name.position) }
                } else {
                    error("'after' names unknown shot '\(name.value)'\(Suggest.didYouMean(name.value, shotIDs))", name.position)
                }
            }
            let shotFields = manifest.defaults.overlaid(by: shot.fields)
            for v in 0..<max(1, shot.variants.count) {
                let variant = shot.variants.isEmpty ? nil : shot.variants[v]
                let fields = variant.map { shotFields.overlaid(by: $0.fields) } ?? shotFields
                let owner = Owner(shot: shot.id.value, variant: variant?.id.value)
                let ownerPosition = variant?.position ?? shot.position
                guard
                    let resolved = resolve(
                        fields, owner: owner, at: ownerPosition, variantSets: variant?.fields, shot: shot, shotIndex: index, shotsByID: shotsByID)
                else { continue }
                for take in 1...shot.takeCount {
                    let id = PlannedJob.makeID(shot: shot.id.value, variant: variant?.id.value, take: take)
                    var dependencies: [String] = []
                    for (input, position, what) in resolved.frameEdges where !dependencies.contains(input) {
                        dependencies.append(input)
                        edges.append(Edge(from: id, to: input, position: position, what: what))
                    }
                    for (after, position) in afterJobs where !dependencies.contains(after) {
                        dependencies.append(after)
                        edges.append(Edge(from: id, to: after, position: position, what: "after"))
                    }
                    emit(PlannedJob(
                        id: id, shot: shot.id.value, variant: variant?.id.value, take: take, request: resolved.request,
                        dependencies: dependencies, position: ownerPosition))
                }
            }
        }
        return edges
    }

    static func jobIDs(of shot: Shot) -> [String] {
        let variants: [String?] = shot.variants.isEmpty ? [nil] : shot.variants.map(\.id.value)
        return variants.flatMap { v in (1...shot.takeCount).map { PlannedJob.makeID(shot: shot.id.value, variant: v, take: $0) } }
    }

    private struct Resolved {
        var request: GenerationRequest
        var frameEdges: [(String, SourcePosition, String)]
    }

    /// The effective fields of one variant of a shot as a request, checked against the provider's
    /// rules (`RequestRules`) and the manifest's own (prompt variables, images, frame references).
    /// `variantSets`: the fields the variant itself sets (a matrix combination's values among them).
    private mutating func resolve(
        _ f: JobFields, owner: Owner, at position: SourcePosition, variantSets: JobFields?, shot: Shot, shotIndex: Int, shotsByID: ShotIndex
    ) -> Resolved? {
        let size = f.size?.value ?? .default
        let prompt = f.prompt.flatMap { expand($0) }
        var ok = f.prompt != nil && prompt != nil && f.prompt?.value.isEmpty == false
        var inputs: [RequestInput] = []
        var frameEdges: [(String, SourcePosition, String)] = []
        for (role, image) in f.images {
            switch image.value {
            case .url(let url):
                inputs.append(RequestInput(role: role, source: .url(url)))
            case .path(let written):
                let absolute = resolvePath(written)
                inputs.append(RequestInput(role: role, source: .file(path: absolute, written: written)))
                if options.checkFiles, !checkImage(absolute, written: written, at: image.position, size: size, owner: owner) { ok = false }
            case .frame(let ref):
                guard let target = frameJob(ref, from: shot, at: shotIndex, shotsByID: shotsByID) else {
                    ok = false
                    continue
                }
                inputs.append(RequestInput(role: role, source: .frame(job: target.id, frame: ref.frame)))
                frameEdges.append((target.id, ref.position, role.rawValue))
                if target.size.isPortrait != size.isPortrait {
                    warning("\(owner) is \(size.rawValue) (\(size.aspectName)) but takes a frame of '\(target.id)', which is \(target.size.rawValue) (\(target.size.aspectName)); the provider advises matching aspect ratios",
                            image.position)
                }
            }
        }
        // The provider's rules, on the request as written (images that failed to resolve above
        // still count, so a broken first frame is not also reported as missing).
        let written = GenerationRequest(
            model: f.model?.value ?? .default, prompt: prompt ?? "", seconds: f.seconds?.value ?? .default, size: size,
            inputs: f.images.map { RequestInput(role: $0.role, source: $0.image.value.writtenSource) })
        for violation in RequestRules.violations(of: written) where violation != .mixedURLsAndUploads {
            report(violation, fields: f, variantSets: variantSets, owner: owner, at: position, promptExpanded: prompt != nil)
            ok = false
        }
        guard ok else { return nil }
        var request = written
        request.inputs = inputs
        return Resolved(request: request, frameEdges: frameEdges)
    }

    /// A broken provider rule as a diagnostic at the field that breaks it. Of two fields that clash,
    /// the one the variant sets (a matrix value among them) when it sets only that one: it is what
    /// makes this job break the rule.
    private mutating func report(
        _ violation: RequestViolation, fields f: JobFields, variantSets v: JobFields?, owner: Owner, at position: SourcePosition, promptExpanded: Bool
    ) {
        switch violation {
        case .emptyPrompt:
            guard let p = f.prompt else { return error("\(owner) has no 'prompt'", position) }
            // An empty `prompt:` was already reported by the decoder, an undefined variable by `expand`.
            guard !p.value.isEmpty, promptExpanded else { return }
            error("the prompt of \(owner) is empty\(p.value.contains("$") ? " after expanding variables" : "")", p.position)
        case .fullHDNeedsEightSeconds(let size, let seconds):
            let message = "size \(size.rawValue) (1080p) needs 'seconds: \(ClipSeconds.fullHD.rawValue)', but \(owner) has \(seconds.rawValue) seconds\(f.seconds == nil ? " (the default)" : "")"
            if let s = f.seconds, v?.seconds != nil, v?.size == nil {
                let notes = f.size.map { [Diagnostic.note("size is set to \($0.value.rawValue) here", at: location($0.position))] } ?? []
                return error(message, s.position, notes: notes)
            }
            var notes: [Diagnostic] = []
            if let s = f.seconds { notes.append(.note("seconds is set to \(s.value.rawValue) here", at: location(s.position))) }
            error(message, f.size?.position ?? position, notes: notes)
        case .referenceCount:
            break  // reported by the decoder at the list
        case .referencesWithFrames:
            guard let refs = f.references, let other = f.firstFrame ?? f.lastFrame else { return }
            let message = "'references' cannot be combined with 'first_frame'/'last_frame' in \(owner); use reference images or first and last frames"
            if let frame = v?.firstFrame ?? v?.lastFrame, v?.references == nil {
                return error(message, frame.position, notes: [.note("references set here", at: location(refs.position))])
            }
            error(message, refs.position, notes: [.note("frame set here", at: location(other.position))])
        case .lastFrameWithoutFirst:
            error("'last_frame' needs a 'first_frame' in \(owner)", f.lastFrame?.position ?? position)
        case .repeatedFrame(let role):
            error("\(owner): \(violation.message) (\(role.rawValue))", position)
        case .mixedURLsAndUploads:
            break  // `run` downloads the URL images and uploads every image as a file
        }
    }

    /// A manifest path made absolute; each distinct path is resolved once.
    private mutating func resolvePath(_ written: String) -> String {
        if let cached = resolvedPaths[written] { return cached }
        let absolute = FilePaths.resolve(written, against: manifest.directory)
        resolvedPaths[written] = absolute
        return absolute
    }

    /// The job a frame reference points at, or nil after reporting why not.
    private mutating func frameJob(
        _ ref: FrameReference, from shot: Shot, at shotIndex: Int, shotsByID: ShotIndex
    ) -> (id: String, size: VideoSize)? {
        if ref.shot.value == shot.id.value {
            error("shot '\(shot.id.value)' cannot take a frame of its own clip", ref.shot.position)
            return nil
        }
        guard let targetIndex = shotsByID[ref.shot.value] else {
            error("frame reference names unknown shot '\(ref.shot.value)'\(Suggest.didYouMean(ref.shot.value, shotIDs))", ref.shot.position)
            return nil
        }
        let target = manifest.shots[targetIndex]
        if targetIndex > shotIndex { dependsOnLaterShot = true }
        if target.matrixMadeNoVariants { return nil }  // its matrix's error says why
        guard let (variant, take) = namedVariantAndTake(in: target, variant: ref.variant, take: ref.take, at: ref.position) else { return nil }
        let size = (variant?.fields.size ?? target.fields.size ?? manifest.defaults.size)?.value ?? .default
        return (PlannedJob.makeID(shot: target.id.value, variant: variant?.id.value, take: take), size)
    }

    /// The variant and take a reference (a frame, a clip of a cut) names in `target`: a variant
    /// exactly when the shot has variants, a take it has; nil after reporting why not.
    mutating func namedVariantAndTake(
        in target: Shot, variant: Located<String>?, take: Located<Int>?, at position: SourcePosition
    ) -> (variant: Variant?, take: Int)? {
        var named: Variant?
        if target.variants.isEmpty {
            if let v = variant {
                error("shot '\(target.id.value)' has no variants, so 'variant: \(v.value)' cannot be used", v.position)
                return nil
            }
        } else {
            guard let v = variant else {
                error("shot '\(target.id.value)' has variants (\(target.variants.map(\.id.value).joined(separator: ", "))); say which with 'variant:'", position)
                return nil
            }
            guard let found = target.variants.first(where: { $0.id.value == v.value }) else {
                error("shot '\(target.id.value)' has no variant '\(v.value)'\(Suggest.didYouMean(v.value, target.variants.map(\.id.value)))", v.position)
                return nil
            }
            named = found
        }
        let number = take?.value ?? 1
        if number > target.takeCount {
            error("shot '\(target.id.value)' has \(target.takeCount) take\(target.takeCount == 1 ? "" : "s"), so there is no take \(number)",
                  take?.position ?? position)
            return nil
        }
        return (named, number)
    }

    private mutating func checkImage(_ path: String, written: String, at position: SourcePosition, size: VideoSize, owner: Owner) -> Bool {
        // Each distinct file is looked up once per planner (the shared checker takes a lock).
        let outcome: ImageFileChecker.Outcome
        if let known = checkedImages[path] {
            outcome = known
        } else {
            outcome = images.check(path)
            checkedImages[path] = outcome
        }
        switch outcome {
        case .missing:
            error("image '\(written)' does not exist (looked for \(path))", position)
            return false
        case .directory:
            error("image '\(written)' is a directory, not an image file", position)
            return false
        case .unreadable(let why):
            error("cannot read image '\(written)': \(why)", position)
            return false
        case .notRegularFile:
            error("image '\(written)' is not a regular file (a FIFO, socket or device); give an image file", position)
            return false
        case .notAnImage:
            error("'\(written)' is not a PNG, JPEG or WebP image (checked by content, not by name)", position)
            return false
        case .tooLarge(let bytes):
            error("image '\(written)' is \(bytes / (1024 * 1024)) MiB, more than the \(ProviderLimits.maxImageBytes / (1024 * 1024)) MiB the provider takes", position)
            return false
        case .ok(let info):
            if let aspect = info.aspect {
                let target = Double(size.width) / Double(size.height)
                if abs(aspect - target) / target > options.aspectTolerance {
                    warning("image '\(written)' is \(info.width!)x\(info.height!), whose aspect ratio differs from \(owner)'s size \(size.rawValue) (\(size.aspectName)); the provider advises matching them",
                            position)
                }
            }
            return true
        }
    }

    // MARK: - Order and cycles

    /// Kahn's algorithm, stable in manifest order; cycles are reported with every edge.
    mutating func order(_ jobs: [PlannedJob], edges: [Edge]) -> Plan {
        // Usually every dependency is a job of an earlier shot: then manifest order is the order.
        if !dependsOnLaterShot { return makePlan(jobs) }
        var indexOf: [String: Int] = [:]
        indexOf.reserveCapacity(jobs.count)
        for i in jobs.indices { indexOf[jobs[i].id] = i }
        var indegree = [Int](repeating: 0, count: jobs.count)
        var dependents = [[Int]](repeating: [], count: jobs.count)
        for i in jobs.indices {
            for d in jobs[i].dependencies {
                guard let j = indexOf[d] else { continue }
                indegree[i] += 1
                dependents[j].append(i)
            }
        }
        // A min-heap on manifest index keeps the order stable and close to the file's.
        var ready = Heap(jobs.indices.filter { indegree[$0] == 0 })
        var ordered: [PlannedJob] = []
        ordered.reserveCapacity(jobs.count)
        while let i = ready.popMin() {
            ordered.append(jobs[i])
            for k in dependents[i] {
                indegree[k] -= 1
                if indegree[k] == 0 { ready.insert(k) }
            }
        }
        if ordered.count < jobs.count {
            reportCycles(jobs: jobs, remaining: Set(jobs.indices.filter { indegree[$0] > 0 }), indexOf: indexOf, edges: edges)
        }
        return makePlan(ordered)
    }

    private func makePlan(_ jobs: [PlannedJob]) -> Plan {
        var plan = Plan(manifestFile: manifest.file, manifestDirectory: manifest.directory, name: manifest.name, jobs: jobs)
        for (index, shot) in manifest.shots.enumerated() {
            guard let matrix = shot.matrix, !shot.matrixMadeNoVariants, !duplicates.contains(index) else { continue }
            plan.matrices.append(Plan.MatrixVariants(
                shot: shot.id.value, axes: matrix.axes.map(\.field), crossed: matrix.crossed, variants: shot.variants.map(\.id.value)))
        }
        return plan
    }

    private mutating func reportCycles(jobs: [PlannedJob], remaining: Set<Int>, indexOf: [String: Int], edges: [Edge]) {
        var edgesFrom: [String: [Edge]] = [:]
        for edge in edges { edgesFrom[edge.from, default: []].append(edge) }
        var reportedShotCycles = Set<[String]>()
        var done = Set<Int>()
        for start in remaining.sorted() where !done.contains(start) {
            // Walk dependencies within the remaining set until a job repeats: that closes a cycle.
            var path: [Edge] = []
            var visitedAt: [String: Int] = [:]
            var current = jobs[start].id
            while visitedAt[current] == nil {
                visitedAt[current] = path.count
                guard let edge = edgesFrom[current]?.first(where: { indexOf[$0.to].map(remaining.contains) ?? false }) else { break }
                path.append(edge)
                current = edge.to
            }
            guard let cycleStart = visitedAt[current] else { continue }
            let cycle = Array(path[cycleStart...])
            for edge in cycle { if let i = indexOf[edge.from] { done.insert(i) } }
            guard !cycle.isEmpty else { continue }
            // Takes and variants repeat the same shot-level cycle: report it once.
            let shotCycle = cycle.map { jobs[indexOf[$0.from]!].shot }
            let rotated = Self.canonicalRotation(shotCycle)
            guard reportedShotCycles.insert(rotated).inserted else { continue }
            let names = (cycle.map(\.from) + [cycle[0].from]).joined(separator: " → ")
            let notes = cycle.map { edge in
                Diagnostic.note("'\(edge.from)' waits for '\(edge.to)' (\(edge.what))", at: location(edge.position))
            }
            error("dependency cycle: \(names)", cycle[0].position, notes: notes)
        }
    }

    static func canonicalRotation(_ items: [String]) -> [String] {
        guard let minIndex = items.indices.min(by: { items[$0] < items[$1] }) else { return items }
        return Array(items[minIndex...] + items[..<minIndex])
    }

    // MARK: - Diagnostics

    func location(_ position: SourcePosition) -> SourceLocation {
        SourceLocation(file: manifest.file, position: position)
    }

    mutating func add(_ diagnostic: Diagnostic) {
        if seenDiagnostics.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }

    mutating func error(_ message: String, _ position: SourcePosition, notes: [Diagnostic] = []) {
        add(.error(message, at: location(position), notes: notes))
    }

    private mutating func warning(_ message: String, _ position: SourcePosition) {
        add(.warning(message, at: location(position)))
    }
}
