import Foundation
import VeoManifest

/// `--render-what-fits`: which of the jobs a run would submit it renders when the whole does not
/// fit the budget, chosen before the first create request. First the jobs each cut needs (with
/// the upstream jobs they take frames from or come after), cut by cut in manifest order, each
/// cut's jobs together and only if they all fit (half a cut makes no film); then the other jobs
/// in manifest order, each (with its upstream jobs not yet chosen) only if it fits. What is not
/// chosen is skipped from the start, so no money goes to a job whose cut or upstream cannot be made.
enum RenderWhatFits {
    /// The jobs of `lines` not chosen, with the reason each is skipped. `fits(usd, seconds)` says
    /// whether spending that much in this run stays within the budget.
    static func choose(
        plan: Plan, cuts: Set<String>, lines: [SpendEstimate.Line], fits: (Double, Int) -> Bool
    ) -> [String: String] {
        let toRender = Dictionary(lines.map { ($0.job, $0) }, uniquingKeysWith: { first, _ in first })
        var chosen = Set<String>()
        var (usd, seconds) = (0.0, 0)
        /// `jobs` and their upstream jobs still to render and not yet chosen, in plan order.
        func unit(_ jobs: [String]) -> [SpendEstimate.Line] {
            var needed = Set<String>()
            var stack = jobs
            while let id = stack.popLast() {
                guard toRender[id] != nil, !chosen.contains(id), needed.insert(id).inserted else { continue }
                stack += plan.job(id)?.dependencies ?? []
            }
            return plan.jobs.compactMap { needed.contains($0.id) ? toRender[$0.id] : nil }
        }
        func take(_ unit: [SpendEstimate.Line]) {
            let (more, moreSeconds) = (unit.reduce(0) { $0 + $1.usd }, unit.reduce(0) { $0 + $1.seconds })
            guard !unit.isEmpty, fits(usd + more, seconds + moreSeconds) else { return }
            (usd, seconds) = (usd + more, seconds + moreSeconds)
            chosen.formUnion(unit.map(\.job))
        }
        for cut in plan.cuts where cuts.contains(cut.id) { take(unit(cut.jobs)) }
        for line in lines where !chosen.contains(line.job) { take(unit([line.job])) }
        var skipped: [String: String] = [:]
        for line in lines where !chosen.contains(line.job) {
            let own = String(format: "over budget: its estimated %.2f USD did not fit what the budget had left", line.usd)
            let upstream = unit([line.job]).map(\.job).filter { $0 != line.job }
            skipped[line.job] = fits(usd + line.usd, seconds + line.seconds) && !upstream.isEmpty
                ? "over budget: it needs upstream job '\(upstream[0])', which did not fit what the budget had left"
                : own
        }
        return skipped
    }
}
