public import Foundation
import VeoProvider
import VeoSupport

/// Shows a plan as a table (people), JSON (machines) or Graphviz DOT.
public struct PlanRenderer: Sendable {
    public var plan: Plan
    public var prices: PriceTable
    /// Job ids whose output is already in the cache, when known.
    public var cached: Set<String>?
    /// Cut ids a run would take from the folder's store, when known.
    public var cachedCuts: Set<String>?

    public init(plan: Plan, prices: PriceTable = .defaults, cached: Set<String>? = nil, cachedCuts: Set<String>? = nil) {
        self.plan = plan
        self.prices = prices
        self.cached = cached
        self.cachedCuts = cachedCuts
    }

    /// Jobs that a run would actually generate (not cached).
    var toRender: [PlannedJob] {
        guard let cached else { return plan.jobs }
        return plan.jobs.filter { !cached.contains($0.id) }
    }

    // MARK: - Table

    public func table() -> String {
        var header = ["JOB", "MODEL", "SIZE", "SECONDS", "INPUTS", "DEPENDS ON"]
        if cached != nil { header.append("CACHED") }
        var rows: [[String]] = [header]
        for job in plan.jobs {
            var row = [
                job.id,
                job.request.model.shortName,
                job.request.size.rawValue,
                String(job.request.seconds.rawValue),
                job.request.inputs.isEmpty ? "-" : job.request.inputs.map { input in
                    let fetched = job.request.mixesURLsAndUploads && !input.source.isUpload ? " (fetched)" : ""
                    return "\(input.role == .reference ? "ref" : input.role == .firstFrame ? "first" : "last")=\(input.source.summary)\(fetched)"
                }.joined(separator: " "),
                job.dependencies.isEmpty ? "-" : job.dependencies.joined(separator: ", "),
            ]
            if let cached { row.append(cached.contains(job.id) ? "yes" : "no") }
            rows.append(row)
        }
        var out = Self.aligned(rows)
        if !plan.matrices.isEmpty { out += "\n" + plan.matrices.map(Self.matrixLine).joined() }
        if !plan.cuts.isEmpty { out += "\n" + cutTable() }
        out += "\n" + totals()
        return out
    }

    /// The cuts, after the jobs: the clips each joins (with in and out points and fades), its
    /// length and whether it is cached.
    func cutTable() -> String {
        var header = ["CUT", "SIZE", "FPS", "SECONDS", "CLIPS"]
        if cachedCuts != nil { header.append("CACHED") }
        var rows = [header]
        for cut in plan.cuts {
            var row = [cut.id, cut.size.description, String(cut.fps), Self.seconds(cut.plannedSeconds), cut.clips.map(Self.describe).joined(separator: ", ")]
            if let cachedCuts { row.append(cachedCuts.contains(cut.id) ? "yes" : "no") }
            rows.append(row)
        }
        return Self.aligned(rows)
    }

    /// `hero/final#2`, `bridge (fade 0.5 s)`, `epilogue [0.5-7.5 s]`.
    static func describe(_ clip: PlannedCutClip) -> String {
        var text = clip.job
        if clip.start > 0 || clip.end != nil { text += " [\(seconds(clip.start))-\(seconds(clip.end ?? Double(clip.seconds))) s]" }
        if clip.fade > 0 { text += " (fade \(seconds(clip.fade)) s)" }
        return text
    }

    static func seconds(_ value: Double) -> String {
        DecimalText.string(value)
    }

    /// Rows as columns padded to their widest cell (the last column is not padded).
    static func aligned(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows {
            for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = max(widths[i], cell.count) }
        }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i < row.count - 1 ? cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) : cell
            }
            out += line.trimmingCharacters(in: .whitespaces) + "\n"
        }
        return out
    }

    /// `hero: 4 variants from its matrix (size × model): 1280x720-fast, …` (at most 8 ids listed).
    static func matrixLine(_ m: Plan.MatrixVariants) -> String {
        let factors = (m.crossed.isEmpty ? [] : ["variants"]) + m.axes
        let shown = m.variants.count > 8 ? m.variants.prefix(7) + ["… \(m.variants.count - 7) more"] : m.variants[...]
        let count = "\(m.variants.count) variant\(m.variants.count == 1 ? "" : "s")"
        return "\(m.shot): \(count) from its matrix (\(factors.joined(separator: " × "))): \(shown.joined(separator: ", "))\n"
    }

    func totals() -> String {
        let all = PlanEstimate(jobs: plan.jobs, prices: prices)
        var out = "\(all.jobs) job\(all.jobs == 1 ? "" : "s"), \(all.seconds) seconds of video, depth \(plan.depth)"
        if let cached {
            let n = plan.jobs.filter { cached.contains($0.id) }.count
            out += "; \(n) cached, \(all.jobs - n) to render"
        }
        if !plan.cuts.isEmpty {
            out += "; \(plan.cuts.count) cut\(plan.cuts.count == 1 ? "" : "s")"
            if let cachedCuts { out += " (\(plan.cuts.count { cachedCuts.contains($0.id) }) cached)" }
        }
        out += "\n"
        let estimate = PlanEstimate(jobs: toRender, prices: prices)
        for line in estimate.perModel {
            let cost = line.estimatedCost.map { money($0) } ?? "no price for this model"
            out += "  \(line.model.rawValue): \(line.jobs) job\(line.jobs == 1 ? "" : "s"), \(line.seconds) s, estimated \(cost)\n"
        }
        out += "Estimated cost\(cached != nil ? " of what is not cached" : ""): \(money(estimate.estimatedCost)) "
        out += "(an estimate from list prices per generated second; override with --prices FILE)\n"
        return out
    }

    func money(_ value: Double) -> String {
        String(format: "%.2f %@", value, prices.currency)
    }

    // MARK: - JSON

    struct JSONPlan: Encodable {
        /// A job: its id and place, and its request's fields as the field table names them
        /// (`RequestFields`; the fields it does not set are absent).
        struct Job: Encodable {
            var id: String
            var shot: String
            var variant: String?
            var take: Int
            var request: [(field: RequestField, value: FieldValue)]
            var inputs: [Input]
            var depends_on: [String]
            var cached: Bool?
            var line: Int
            var column: Int

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: FieldKey.self)
                try c.encode(id, forKey: "id")
                try c.encode(shot, forKey: "shot")
                try c.encodeIfPresent(variant, forKey: "variant")
                try c.encode(take, forKey: "take")
                for (field, value) in request { try c.encode(value, forKey: FieldKey(field.name)) }
                try c.encode(inputs, forKey: "inputs")
                try c.encode(depends_on, forKey: "depends_on")
                try c.encodeIfPresent(cached, forKey: "cached")
                try c.encode(line, forKey: "line")
                try c.encode(column, forKey: "column")
            }
        }
        struct Input: Encodable {
            var role: String
            var kind: String
            var value: String
            var frame: String?
        }
        struct ModelTotal: Encodable {
            var model: String
            var jobs: Int
            var seconds: Int
            var estimated_cost: Double?
        }
        struct Totals: Encodable {
            var jobs: Int
            var seconds: Int
            var depth: Int
            var cached: Int?
            var to_render: Int
            var estimated_cost: Double
            var currency: String
            var estimate_note: String
            var per_model: [ModelTotal]
        }
        struct Cut: Encodable {
            struct Clip: Encodable {
                var job: String
                var start: Double
                var end: Double?
                var fade_seconds: Double
            }
            var id: String
            var size: String
            var fps: Int
            var seconds: Double
            var clips: [Clip]
            var depends_on: [String]
            var cached: Bool?
            var line: Int
            var column: Int
        }
        struct Matrix: Encodable {
            var shot: String
            var axes: [String]
            var crossed_variants: [String]
            var variants: [String]
        }
        var manifest: String
        var name: String
        var jobs: [Job]
        var cuts: [Cut]
        var totals: Totals
        /// Absent when no shot has a matrix.
        var matrices: [Matrix]?
    }

    public func json() -> Data {
        let jobs = plan.jobs.map { job in
            JSONPlan.Job(
                id: job.id, shot: job.shot, variant: job.variant, take: job.take, request: RequestFields.values(of: job.request),
                inputs: job.request.inputs.map { input in
                    let value: String
                    switch input.source {
                    case .file(let path, _): value = path
                    case .url(let url): value = url
                    case .frame(let job, _): value = job
                    }
                    return JSONPlan.Input(role: input.role.rawValue, kind: input.source.kind.rawValue, value: value, frame: input.source.framePosition?.rawValue)
                },
                depends_on: job.dependencies, cached: cached.map { $0.contains(job.id) }, line: job.position.line, column: job.position.column)
        }
        let estimate = PlanEstimate(jobs: toRender, prices: prices)
        let totals = JSONPlan.Totals(
            jobs: plan.jobs.count, seconds: plan.totalSeconds, depth: plan.depth,
            cached: cached.map { c in plan.jobs.filter { c.contains($0.id) }.count }, to_render: toRender.count,
            estimated_cost: (estimate.estimatedCost * 100).rounded() / 100, currency: prices.currency,
            estimate_note: "estimate from list prices per generated second; not a quote",
            per_model: estimate.perModel.map { .init(model: $0.model.rawValue, jobs: $0.jobs, seconds: $0.seconds, estimated_cost: $0.estimatedCost.map { ($0 * 100).rounded() / 100 }) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let cuts = plan.cuts.map { cut in
            JSONPlan.Cut(
                id: cut.id, size: cut.size.description, fps: cut.fps, seconds: cut.plannedSeconds,
                clips: cut.clips.map { .init(job: $0.job, start: $0.start, end: $0.end, fade_seconds: $0.fade) },
                depends_on: cut.jobs, cached: cachedCuts.map { $0.contains(cut.id) }, line: cut.position.line, column: cut.position.column)
        }
        let matrices = plan.matrices.map { JSONPlan.Matrix(shot: $0.shot, axes: $0.axes, crossed_variants: $0.crossed, variants: $0.variants) }
        let json = JSONPlan(manifest: plan.manifestFile, name: plan.name, jobs: jobs, cuts: cuts, totals: totals, matrices: matrices.isEmpty ? nil : matrices)
        return (try? encoder.encode(json)) ?? Data()
    }

    // MARK: - DOT

    public func dot() -> String {
        func quote(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var out = "digraph \(quote(plan.name)) {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for job in plan.jobs {
            var label = "\(job.id)\\n\(job.request.model.shortName) \(job.request.size.rawValue) \(job.request.seconds.rawValue)s"
            if cached?.contains(job.id) == true { label += "\\n(cached)" }
            out += "  \(quote(job.id)) [label=\"\(label.replacingOccurrences(of: "\"", with: "\\\""))\"];\n"
        }
        for job in plan.jobs {
            for input in job.request.inputs {
                if case .frame(let upstream, let frame) = input.source {
                    out += "  \(quote(upstream)) -> \(quote(job.id)) [label=\"\(frame.rawValue) frame → \(input.role.rawValue)\"];\n"
                }
            }
            let frameSources = Set(job.request.inputs.compactMap { if case .frame(let j, _) = $0.source { j } else { nil } })
            for dependency in job.dependencies where !frameSources.contains(dependency) {
                out += "  \(quote(dependency)) -> \(quote(job.id)) [style=dashed, label=\"after\"];\n"
            }
        }
        for cut in plan.cuts {
            let node = quote("cut " + cut.id)
            var label = "cut \(cut.id)\\n\(cut.size) \(cut.fps) fps \(Self.seconds(cut.plannedSeconds))s"
            if cachedCuts?.contains(cut.id) == true { label += "\\n(cached)" }
            out += "  \(node) [shape=folder, label=\"\(label.replacingOccurrences(of: "\"", with: "\\\""))\"];\n"
            for job in cut.jobs { out += "  \(quote(job)) -> \(node) [style=bold];\n" }
        }
        out += "}\n"
        return out
    }
}
