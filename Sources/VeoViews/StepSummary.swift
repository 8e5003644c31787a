import Foundation
public import VeoManifest
public import VeoRunner

/// The Markdown summary of a run or a plan, for `$GITHUB_STEP_SUMMARY` (and any Markdown reader):
/// status, a table of jobs, a table of cuts, totals, what the cache saved.
///
/// The whole document stays within a byte budget (GitHub drops a step's summary whole when it is
/// over 1 MiB): failed jobs and cuts come first, each cell is cut at `maxCell` characters, and the
/// rows that do not fit are counted in a note. Text from a manifest, a server or ffmpeg is never
/// Markdown: links, images, HTML, emphasis and bare URLs are escaped so they show as written.
public enum StepSummary {
    /// What one summary may take by default: GitHub's limit, less room for a few lines other steps add.
    public static let defaultLimit = GitHubActions.summaryLimit - 8 * 1024
    /// The most characters of one cell (a provider's message, say).
    static let maxCell = 1_000
    /// Room kept for the note that counts the rows left out of a table.
    static let noteRoom = 256

    public static func markdown(for report: RunReport, contactSheet: String?, prices: PriceTable = .defaults, limit: Int = defaultLimit) -> String {
        let totals = Totals(report: report, prices: prices)
        let s = report.summary
        var head = "## veo-pipeline: \(cell(report.manifest.name)) — run \(report.status)\(report.emulated ? " (emulated)" : "")\n\n"
        head += "\(s.succeeded) of \(s.total) succeeded (\(s.cached) cached), \(s.failed) failed, \(s.skipped) skipped · "
        head += "\(totals.seconds) s of video · rendered \(totals.money(totals.rendered)), saved by the cache \(totals.money(totals.saved)) (estimates)\n\n"
        if let contactSheet {
            head += "Contact sheet: `\(code(contactSheet))` (in the run's output folder; upload the folder as an artifact to view it)\n\n"
        }
        let rows = report.jobs.sorted { rank($0.status) < rank($1.status) }.map { job -> String in
            let status = job.cached ? "cached" : job.status
            let cost = Totals.estimate(job, prices: prices).map { String(format: "%.2f", $0) } ?? "–"
            let detail = job.error.map { "`\(code($0.code))`: \(cell($0.message))" } ?? job.skippedBecause.map(cell) ?? cell(job.output?.path ?? "")
            return "| \(cell(job.id)) | \(status) | \(job.request.seconds) | \(cost) | \(detail) |\n"
        }
        let cutRows = (report.cuts ?? []).sorted { rank($0.status) < rank($1.status) }.map { cut -> String in
            let detail = cut.error.map(cell) ?? cut.skippedBecause.map(cell) ?? cell(cut.output?.path ?? "")
            return "| \(cell(cut.id)) | \(cut.cached ? "cached" : cut.status) | \(String(format: "%.2f", cut.output?.duration ?? cut.plannedSeconds)) | \(detail) |\n"
        }
        let cutsTitle = "\n**Cuts**\n\n"
        let cutColumns = ["cut", "status", "seconds", "file / reason"]
        // The cuts' title and header (and their note) keep their room while the jobs' rows are laid.
        let cutsRoom = cutRows.isEmpty ? 0 : cutsTitle.utf8.count + header(cutColumns).utf8.count + noteRoom
        guard head.utf8.count + header([]).utf8.count + noteRoom + cutsRoom < limit else { return "" }
        var out = head
        out += table(["job", "status", "seconds", "estimated cost (\(prices.currency))", "clip / reason"], rows, noun: "jobs", limit: limit - out.utf8.count - cutsRoom)
        if !cutRows.isEmpty {
            out += cutsTitle + table(cutColumns, cutRows, noun: "cuts", limit: limit - out.utf8.count - cutsTitle.utf8.count)
        }
        return out
    }

    /// What `plan` would render and what is cached, with the estimate: the cost of a change on a pull request.
    public static func markdown(for plan: Plan, cached: Set<String>, prices: PriceTable) -> String {
        let toRender = plan.jobs.filter { !cached.contains($0.id) }
        let estimate = PlanEstimate(jobs: toRender, prices: prices)
        var head = "## veo-pipeline plan: \(cell(plan.name))\n\n"
        head += "\(toRender.count) of \(plan.jobs.count) jobs would be rendered (\(plan.jobs.count - toRender.count) cached), "
        head += "\(estimate.seconds) s of video, estimated \(String(format: "%.2f", estimate.estimatedCost)) \(prices.currency) "
        head += "(list prices per generated second; an estimate, not a quote)\n\n"
        let rows = plan.jobs.sorted { (cached.contains($0.id) ? 1 : 0) < (cached.contains($1.id) ? 1 : 0) }.map { job -> String in
            let rate = prices.rate(model: job.request.model, size: job.request.size)
            let cost = cached.contains(job.id) ? "0" : rate.map { String(format: "%.2f", $0 * Double(job.request.seconds.rawValue)) } ?? "–"
            return "| \(cell(job.id)) | \(cached.contains(job.id) ? "cached" : "would render") | \(job.request.model.shortName) | \(job.request.size.rawValue) | \(job.request.seconds.rawValue) | \(cost) |\n"
        }
        return head + table(["job", "status", "model", "size", "seconds", "estimated cost (\(prices.currency))"], rows, limit: defaultLimit - head.utf8.count)
    }

    /// A Markdown table of as many rows as fit in `limit` bytes (with its note), then a note
    /// counting the rest.
    static func table(_ columns: [String], _ rows: [String], noun: String = "jobs", limit: Int = defaultLimit) -> String {
        var out = header(columns)
        var size = out.utf8.count
        for (i, row) in rows.enumerated() {
            if size + row.utf8.count + noteRoom > limit {
                return out + "\n… and \(rows.count - i) more \(noun), not listed here to stay under GitHub's 1 MiB summary limit: see report.json and the contact sheet.\n\n"
            }
            out += row
            size += row.utf8.count
        }
        return out + "\n"
    }

    private static func header(_ columns: [String]) -> String {
        "| " + columns.joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: columns.count) + "\n"
    }

    /// Failed first, then skipped, then the rest.
    private static func rank(_ status: String) -> Int {
        status == "failed" ? 0 : status == "skipped" ? 1 : 2
    }

    /// Text from outside, inert in a table cell: one line, at most `maxCell` characters, and no
    /// Markdown. A backslash before the characters that make links and images (`[`, `]`, `!`),
    /// code, emphasis and strikethrough (`` ` ``, `*`, `_`, `~`), entities (`&`), cell breaks (`|`) and
    /// the parts of bare links GitHub makes clickable (the `:` of `https://`, the `@` of an address
    /// (after an invisible word joiner),
    /// the `.` of `www.`); `<` and `>` as entities, so no HTML is made.
    static func cell(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var previous: [Character] = []
        for c in cut(text) {
            switch c {
            case "\r", "\n", "\r\n": out += " "
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "!", "|", "~", "&", ":": out += "\\" + String(c)
            case "@": out += "\u{2060}@"  // a word joiner: an escaped '@' still makes a mail link
            case "." where String(previous).lowercased() == "www": out += "\\."
            default: out.append(c)
            }
            previous = Array((previous + [c]).suffix(3))
        }
        return out
    }

    /// Text for inside a code span (where backslashes are not escapes): one line, no backtick, and
    /// `|` written `\|` as a table requires.
    static func code(_ text: String) -> String {
        cut(text).replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "|", with: "\\|")
    }

    /// At most `maxCell` characters, with "…" when cut.
    private static func cut(_ text: String) -> String {
        text.count > maxCell ? String(text.prefix(maxCell)) + "…" : text
    }
}
