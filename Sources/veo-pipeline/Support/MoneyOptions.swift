import ArgumentParser
import Foundation
import VeoManifest
import VeoMoney
import VeoRunner
import VeoSupport

extension BudgetLimits {
    /// Adds the manifest's `budget` (the folder's total, in USD), with where it is written.
    mutating func merge(manifest: Manifest?) {
        guard let manifest, let budget = manifest.budget else { return }
        if let usd = budget.maxUSD {
            maxCostTotal = usd.value
            sources.append("budget.max_usd \(Money(usd.value, .usd)) for this folder, \(manifest.file):\(usd.position.line):\(usd.position.column)")
        }
        if let seconds = budget.maxVideoSeconds {
            maxSecondsTotal = seconds.value
            sources.append("budget.max_video_seconds \(seconds.value) s, \(manifest.file):\(seconds.position.line):\(seconds.position.column)")
        }
    }

    /// The limits, or exit 64 when a money limit and the prices are in different currencies.
    func checkedOrExit(against prices: PriceTable) throws -> BudgetLimits {
        guard let mismatch = check(against: prices) else { return self }
        Terminal.writeStderr("error: \(TerminalText.escaped(mismatch.description))\n")
        throw Exit.usage
    }
}

/// `--max-cost 5`, `--max-cost "5 EUR"`, `--max-cost 5EUR`: an exact amount and its currency (USD
/// when none is written). `-0` is 0; a negative, non-finite or absurd amount is refused.
struct MoneyArgument: ExpressibleByArgument, Sendable {
    var money: Money

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let letters = text.reversed().prefix { $0.isLetter }
        let number = String(text.dropLast(letters.count)).trimmingCharacters(in: .whitespaces)
        let code = letters.isEmpty ? "USD" : String(letters.reversed()).uppercased()
        guard let currency = Currency(rawValue: code), case .success(let amount) = Amount.parse(number) else { return nil }
        money = Money(amount, currency)
    }
}

/// What a run may spend, and asking before spending.
struct MoneyOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Spend at most this much (estimated) in this run: an amount in USD, or with its currency ('90 EUR', in the prices' currency); with the manifest's budget, the smaller remainder wins.",
        valueName: "amount"))
    var maxCost: MoneyArgument?

    @Flag(help: "Render as much as the budget allows (in run order; a job that does not fit is skipped with its dependents) instead of refusing to start.")
    var renderWhatFits = false

    @Option(parsing: .unconditional, help: ArgumentHelp("On a terminal, ask before submitting more than this much (estimated, in the prices' currency).", valueName: "amount"))
    var confirmAbove = 5.0

    @Flag(name: [.customShort("y"), .long], help: "Do not ask before spending (answers yes).")
    var yes = false

    @Option(name: .customLong("prices"), help: ArgumentHelp("A JSON (or YAML) price table overriding the list prices the estimates use.", valueName: "file"))
    var pricesFile: String?

    func check() throws {
        guard case .success = Amount.rounding(confirmAbove) else {
            throw ValidationError("--confirm-above must be an amount from 0 to \(Amount.maximum)")
        }
    }

    /// `--max-cost` for this run and the manifest's `budget` for the folder, each with its source,
    /// checked against the prices' currency (exit 64 when they differ).
    func limits(manifest: Manifest?, prices: PriceTable) throws -> BudgetLimits {
        var limits = BudgetLimits()
        if let maxCost = maxCost?.money {
            limits = BudgetLimits(currency: maxCost.currency, maxCostThisRun: maxCost.amount, sources: ["--max-cost \(maxCost) for this run"])
        }
        if let manifest, manifest.budget?.maxUSD != nil, limits.currency != .usd {
            Terminal.writeStderr("error: --max-cost is in \(limits.currency) but the manifest's budget.max_usd is in USD; give --max-cost in USD\n")
            throw Exit.usage
        }
        limits.merge(manifest: manifest)
        return try limits.checkedOrExit(against: prices)
    }

    /// `--prices`, else the manifest's `prices:`, else the list prices.
    func priceTable(manifest: Manifest?) throws -> PriceTable {
        try pricesFile.map(PriceTable.loadOrExit) ?? manifest?.prices?.value ?? .listPrices
    }

    /// Asks on a terminal (never in CI or without a terminal, never with --yes) when the estimate
    /// is over --confirm-above.
    func confirmation(prices: PriceTable) -> (@Sendable (SpendEstimate) async -> Bool)? {
        let interactive = isatty(STDIN_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] != "true"
        guard interactive, !yes, case .success(let threshold) = Amount.rounding(confirmAbove) else { return nil }
        let note = prices.isListPrices ? "list prices, not a quote" : "prices from \(prices.source), not a quote"
        return { estimate in
            guard estimate.total > threshold else { return true }
            let jobs = "\(estimate.lines.count) job\(estimate.lines.count == 1 ? "" : "s")"
            Terminal.writeStderr(
                "This run would submit \(jobs) for an estimated \(Money(estimate.total, estimate.currency)) (\(estimate.seconds) s of video; \(note)).\n")
            Terminal.writeStderr("Go ahead? [y/N] ")
            let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            return answer == "y" || answer == "yes"
        }
    }
}
