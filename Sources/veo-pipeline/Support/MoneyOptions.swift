import ArgumentParser
import Foundation
import VeoRunner
import VeoSupport
import VeoWorkspace

/// What a run may spend, and asking before spending.
struct MoneyOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Spend at most this many USD (estimated) in this run; with the manifest's budget, the smaller remainder wins.", valueName: "usd"))
    var maxCost: Double?

    @Flag(help: "Render as much as the budget allows instead of refusing to start: the jobs each cut needs first (cut by cut), then the rest in manifest order, each only if it fits; the rest are skipped from the start (with their dependents).")
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

    func apply(to settings: inout Workspace.Settings) {
        (settings.maxCost, settings.renderWhatFits, settings.pricesFile) = (maxCost, renderWhatFits, pricesFile)
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
