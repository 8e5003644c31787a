public import VeoProvider
import Synchronization
/// One generation: a shot, in one variant, one take.
public struct PlannedJob: Sendable, Identifiable {
    /// `savanna`, `hero/final`, `hero/final#2`.
    public var id: String
    public var shot: String
    public var variant: String?
    public var take: Int
    /// What the job asks the provider for, built once here and used unchanged by the cache key,
    /// the client and the report.
    public var request: GenerationRequest
    /// Jobs that must finish first (frame sources, then `after`), without repeats.
    public var dependencies: [String]
    /// Where the shot (or variant) is written.
    public var position: SourcePosition

    public static func makeID(shot: String, variant: String?, take: Int) -> String {
        var id = shot
        if let variant {
            id.append("/")
            id.append(variant)
        }
        if take > 1 {
            id.append("#")
            id.append(String(take))
        }
        return id
    }
}

/// A plan's job index, built once on first use by whichever thread looks up a job first.
private final class LazyJobIndex: Sendable {
    private let index = Mutex<[String: Int]?>(nil)

    func position(of id: String, in jobs: [PlannedJob]) -> Int? {
        index.withLock { index in
            if index == nil {
                var built: [String: Int] = [:]
                built.reserveCapacity(jobs.count)
                for (i, job) in jobs.enumerated() { built[job.id] = i }
                index = built
            }
            return index![id]
        }
    }
}

/// The DAG of jobs a run executes, in a valid order (every job after its dependencies).
public struct Plan: Sendable {
    public var manifestFile: String
    public var manifestDirectory: String
    public var name: String
    public let jobs: [PlannedJob]
    /// The manifest's cuts, each after the jobs whose clips it joins.
    public var cuts: [PlannedCut] = []
    /// Job id → position in `jobs`, built on the first lookup (`validate` never needs it).
    private let index: LazyJobIndex
    /// The variants each shot's `matrix` made, in manifest order (for `plan` to say where they came from).
    public var matrices: [MatrixVariants] = []

    /// The variants one shot's matrix made.
    public struct MatrixVariants: Sendable, Hashable {
        public var shot: String
        /// The axes, in the order written (the order of the tokens in the ids).
        public var axes: [String]
        /// The written variants crossed with every combination (empty when the shot has none).
        public var crossed: [String]
        /// The variant ids, in plan order.
        public var variants: [String]
    }

    public init(manifestFile: String, manifestDirectory: String, name: String, jobs: [PlannedJob]) {
        self.manifestFile = manifestFile
        self.manifestDirectory = manifestDirectory
        self.name = name
        self.jobs = jobs
        self.index = LazyJobIndex()
    }

    public func cut(_ id: String) -> PlannedCut? {
        cuts.first { $0.id == id }
    }

    public func job(_ id: String) -> PlannedJob? {
        index.position(of: id, in: jobs).map { jobs[$0] }
    }

    public var totalSeconds: Int { jobs.reduce(0) { $0 + $1.request.seconds.rawValue } }

    /// Jobs that depend on each job.
    public var dependents: [String: [String]] {
        var result: [String: [String]] = [:]
        for job in jobs {
            for dependency in job.dependencies { result[dependency, default: []].append(job.id) }
        }
        return result
    }

    /// The longest chain of jobs, counted in jobs (1 for a plan without edges).
    public var depth: Int {
        var depthOf: [String: Int] = [:]
        for job in jobs {
            depthOf[job.id] = 1 + (job.dependencies.compactMap { depthOf[$0] }.max() ?? 0)
        }
        return depthOf.values.max() ?? 0
    }
}
