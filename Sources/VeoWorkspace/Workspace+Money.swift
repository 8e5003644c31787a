import Foundation
import VeoManifest
import VeoRunner
import VeoSupport

extension Workspace {
    /// `--prices`, else the manifest's `prices:`, else the list prices. An unusable price file is
    /// a usage error listing its problems (`file: error: key.path: message`).
    static func prices(file: String?, manifest: Manifest?) throws(WorkspaceError) -> PriceTable {
        guard let path = file else { return manifest?.prices?.value ?? .defaults }
        switch PriceFile.load(path: path) {
        case .success(let table):
            return table
        case .failure(let failure):
            let problems = failure.all
            throw .usage(
                problems.map { "\(path): error: \(TerminalText.escaped($0.description))" }
                    + ["error: the price file \(path) is not usable (\(problems.count) problem\(problems.count == 1 ? "" : "s"))"])
        }
    }

    /// `--max-cost` for this run and the manifest's `budget` for the folder, each with its source.
    static func limits(maxCost: Double?, manifest: Manifest?) -> BudgetLimits {
        var limits = BudgetLimits(maxCostThisRun: maxCost)
        if let maxCost { limits.sources.append(String(format: "--max-cost %.2f USD for this run", maxCost)) }
        limits.merge(manifest: manifest)
        return limits
    }
}

extension BudgetLimits {
    /// Adds the manifest's `budget` (the folder's total), with where it is written.
    mutating func merge(manifest: Manifest?) {
        guard let manifest, let budget = manifest.budget else { return }
        if let usd = budget.maxUSD {
            maxCostTotal = usd.value
            sources.append(String(format: "budget.max_usd %.2f USD for this folder, %@:%d:%d", usd.value, manifest.file, usd.position.line, usd.position.column))
        }
        if let seconds = budget.maxVideoSeconds {
            maxSecondsTotal = seconds.value
            sources.append("budget.max_video_seconds \(seconds.value) s, \(manifest.file):\(seconds.position.line):\(seconds.position.column)")
        }
    }
}
