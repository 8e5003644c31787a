/// Planning a large manifest in two halves on two cores (the accelerated strategy; `build()` in
/// `Planner.swift` is the plain one, and the result is the same).
///
/// The shots are cut into `parallelParts` ranges. Each part indexes its shots by id on its own
/// thread (earlier parts are looked up first, so an id resolves to its first definition). Each
/// part then plans its shots with its own copy of the planner, writing its jobs straight into its
/// own region of the plan's array, sized by an upper bound (variants × takes of each shot; shots
/// with errors give fewer), so the parts are not copied together afterwards; the gaps left by
/// shots with errors are closed at the end. Jobs, edges and diagnostics are joined in manifest
/// order.
extension Planner {
    /// Parts a large manifest is planned in (one per core of the 2-core machines this is tuned on).
    static let parallelParts = 2

    mutating func buildInParallel() -> Plan {
        let count = manifest.shots.count
        let parts = Self.parallelParts
        let ranges = (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
        let shotsByID = indexInParallel(ranges)
        var (jobs, results) = planInParallel(ranges, shotsByID: shotsByID)
        var edges: [Edge] = []
        swap(&edges, &results[0].edges)
        for part in results.indices {
            if part > 0 { edges.append(contentsOf: results[part].edges) }
            for diagnostic in results[part].diagnostics { add(diagnostic) }
            if results[part].dependsOnLaterShot { dependsOnLaterShot = true }
        }
        return order(jobs, edges: edges)
    }

    /// Each part's shots indexed on its own thread. An id defined twice within a part is reported
    /// here, against its first definition, which may be in an earlier part.
    private mutating func indexInParallel(_ ranges: [Range<Int>]) -> ShotIndex {
        let indexer = self
        let indexes = Parallel.map(ranges.count) { part in indexer.indexShots(ranges[part]) }
        let shotsByID = ShotIndex(parts: indexes.map(\.index))
        for part in ranges.indices {
            let earlier = shotsByID.before(part)
            for (at, first) in indexes[part].duplicates {
                reportDuplicate(at: at, first: earlier[manifest.shots[at].id.value] ?? first)
            }
        }
        return shotsByID
    }

    /// What planning one part gave besides its jobs.
    private struct PartPlan: Sendable {
        /// Jobs written at the start of the part's region.
        var jobs: Int
        var edges: [Edge]
        var diagnostics: [Diagnostic]
        var dependsOnLaterShot: Bool
    }

    /// Each part planned on its own thread into its region of the plan's array; the regions are
    /// then closed up.
    private func planInParallel(_ ranges: [Range<Int>], shotsByID: ShotIndex) -> (jobs: [PlannedJob], parts: [PartPlan]) {
        let bounds = ranges.map { range in
            range.reduce(0) { sum, i in sum + max(1, manifest.shots[i].variants.count) * manifest.shots[i].takeCount }
        }
        let offsets = bounds.indices.map { bounds[..<$0].reduce(0, +) }
        var results: [PartPlan] = []
        let jobs = [PlannedJob](unsafeUninitializedCapacity: bounds.reduce(0, +)) { buffer, initialized in
            // Shared by the parts' threads: each writes only its own region,
            // `offsets[part]..<offsets[part] + bounds[part]`, and all have finished when
            // `Parallel.map` returns.
            nonisolated(unsafe) let storage = buffer.baseAddress!
            let planner = self
            results = Parallel.map(ranges.count) { part in
                planner.planPart(part, ranges[part], shotsByID: shotsByID, into: storage + offsets[part], capacity: bounds[part])
            }
            initialized = Self.closeGaps(in: storage, offsets: offsets, counts: results.map(\.jobs))
        }
        return (jobs, results)
    }

    /// One part planned by a copy of this planner into `region`, room for `capacity` jobs.
    private func planPart(
        _ part: Int, _ range: Range<Int>, shotsByID: ShotIndex, into region: UnsafeMutablePointer<PlannedJob>, capacity: Int
    ) -> PartPlan {
        var worker = self
        worker.diagnostics = []
        worker.seenDiagnostics = []
        if part > 0 {
            // Ids of this part first defined in an earlier part.
            let earlier = shotsByID.before(part)
            for (id, at) in shotsByID.parts[part] {
                if let first = earlier[id] { worker.reportDuplicate(at: at, first: first) }
            }
        }
        Memory.prefault(UnsafeMutableRawBufferPointer(start: region, count: capacity * MemoryLayout<PlannedJob>.stride))
        var written = 0
        let edges = worker.planShots(range, shotsByID: shotsByID) { job in
            precondition(written < capacity, "a shot gave more jobs than its variants and takes")
            (region + written).initialize(to: job)
            written += 1
        }
        return PartPlan(jobs: written, edges: edges, diagnostics: worker.diagnostics, dependsOnLaterShot: worker.dependsOnLaterShot)
    }

    /// Moves each part's jobs down to follow the part before; returns how many jobs there are.
    private static func closeGaps(in storage: UnsafeMutablePointer<PlannedJob>, offsets: [Int], counts: [Int]) -> Int {
        var filled = 0
        for (offset, count) in zip(offsets, counts) {
            if offset != filled { (storage + filled).moveInitialize(from: storage + offset, count: count) }
            filled += count
        }
        return filled
    }
}
