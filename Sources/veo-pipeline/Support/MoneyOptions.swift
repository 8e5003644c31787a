import ArgumentParser
import Foundation
import VeoManifest
import VeoRunner
import VeoSupport

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

/// What a run may spend, and asking before spending.
struct MoneyOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Spend at most this many USD (estimated) in this run; with the manifest's budget, the smaller remainder wins.", valueName: "usd"))
    var maxCost: Double?

    @Flag(help: "Render as much as the budget allows (in run order; a job that does not fit is skipped with its dependents) instead of refusing to start.")
    var renderWhatFits = false

    @Option(parsing: .unconditional, help: ArgumentHelp("On a terminal, ask before submitting more than this many USD (estimated).", valueName: "usd"))
    var confirmAbove = 5.0

    @Flag(name: [.customShort("y"), .long], help: "Do not ask before spending (answers yes).")
    var yes = false

    @Option(name: .customLong("prices"), help: ArgumentHelp("A JSON price table overriding the list prices the estimates use.", valueName: "file"))
    var pricesFile: String?

    func check() throws {
        if let m = maxCost, !(m >= 0 && m.isFinite) { throw ValidationError("--max-cost must be a number of USD, at least 0") }
        guard confirmAbove >= 0 && confirmAbove.isFinite else { throw ValidationError("--confirm-above must be a number of USD, at least 0") }
    }

    /// `--max-cost` for this run and the manifest's `budget` for the folder, each with its source.
    func limits(manifest: Manifest?) -> BudgetLimits {
        var limits = BudgetLimits(maxCostThisRun: maxCost)
        if let maxCost { limits.sources.append(String(format: "--max-cost %.2f USD for this run", maxCost)) }
        limits.merge(manifest: manifest)
        return limits
    }

    /// `--prices`, else the manifest's `prices:`, else the list prices.
    func priceTable(manifest: Manifest?) throws -> PriceTable {
        try pricesFile.map(PriceTable.loadOrExit) ?? manifest?.prices?.value ?? .defaults
    }

    /// Asks on a terminal (never in CI or without a terminal, never with --yes) when the estimate
    /// is over --confirm-above.
    func confirmation() -> (@Sendable (SpendEstimate) async -> Bool)? {
        let interactive = isatty(STDIN_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] != "true"
        guard interactive, !yes else { return nil }
        let threshold = confirmAbove
        return { estimate in
            guard estimate.usd > threshold else { return true }
            Terminal.writeStderr(String(format: "This run would submit %d job%@ for an estimated %.2f USD (%d s of video; list prices, not a quote).\n",
                                        estimate.lines.count, estimate.lines.count == 1 ? "" : "s", estimate.usd, estimate.seconds))
            Terminal.writeStderr("Go ahead? [y/N] ")
            let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            return answer == "y" || answer == "yes"
        }
    }
}
