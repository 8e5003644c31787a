import Foundation
public import VeoManifest
public import VeoReport

/// The Markdown summary of a run or a plan, for `$GITHUB_STEP_SUMMARY` (and any Markdown reader):
/// status, a table of jobs, totals, what the cache saved. Kept under GitHub's 1 MiB by listing the
/// failed jobs first and summarising the rest.
public enum StepSummary {
    public static func markdown(for report: RunReport, contactSheet: String?, prices: PriceTable = .defaults) -> String {
        let totals = Totals(report: report, prices: prices)
        let s = report.summary
        var head = "## veo-pipeline: \(cell(report.manifest.name)) — run \(report.status)\(report.emulated ? " (emulated)" : "")\n\n"
        head += "\(s.succeeded) of \(s.total) succeeded (\(s.cached) cached), \(s.failed) failed, \(s.skipped) skipped · "
        head += "\(totals.seconds) s of video · rendered \(totals.money(totals.rendered)), saved by the cache \(totals.money(totals.saved)) (estimates)\n\n"
        if let reason = report.notStartedBecause { head += "**Not started:** \(cell(reason))\n\n" }
        if let contactSheet { head += "Contact sheet: `\(contactSheet)` (in the run's output folder; upload the folder as an artifact to view it)\n\n" }
        let rows = report.jobs.sorted { rank($0) < rank($1) }.map { job -> String in
            let status = job.cached ? "cached" : job.status
            let cost = Totals.estimate(job, prices: prices).map { String(format: "%.2f", $0) } ?? "–"
            let detail = job.error.map { "`\($0.code)`: \(cell($0.message))" } ?? job.skippedBecause.map(cell) ?? cell(job.output?.path ?? "")
            return "| \(cell(job.id)) | \(status) | \(job.request.seconds) | \(cost) | \(detail) |\n"
        }
        var cuts = ""
        if let entries = report.cuts, !entries.isEmpty {
            cuts = "\n**Cuts**\n\n| cut | status | seconds | file / reason |\n|---|---|---|---|\n"
            for cut in entries {
                let detail = cut.error.map(cell) ?? cut.skippedBecause.map(cell) ?? cell(cut.output?.path ?? "")
                cuts += "| \(cell(cut.id)) | \(cut.cached ? "cached" : cut.status) | \(String(format: "%.2f", cut.output?.duration ?? cut.plannedSeconds)) | \(detail) |\n"
            }
        }
        return head + table(["job", "status", "seconds", "estimated cost (\(prices.currency))", "clip / reason"], rows) + cuts
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
        return head + table(["job", "status", "model", "size", "seconds", "estimated cost (\(prices.currency))"], rows)
    }

    /// A Markdown table of as many rows as fit under the limit, then a line counting the rest.
    static func table(_ columns: [String], _ rows: [String], limit: Int = GitHubActions.summaryLimit - 64 * 1024) -> String {
        var out = "| " + columns.joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: columns.count) + "\n"
        var size = out.utf8.count
        for (i, row) in rows.enumerated() {
            if size + row.utf8.count > limit {
                return out + "\n… and \(rows.count - i) more jobs, not listed here to stay under GitHub's 1 MiB summary limit: see report.json and the contact sheet.\n\n"
            }
            out += row
            size += row.utf8.count
        }
        return out + "\n"
    }

    private static func rank(_ job: RunReport.Job) -> Int {
        job.status == "failed" ? 0 : job.status == "skipped" ? 1 : 2
    }

    /// Text safe in a table cell: no line breaks, pipes or markup.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "`", with: "'")
    }
}
