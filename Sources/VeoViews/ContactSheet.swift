import Foundation
public import VeoManifest
public import VeoReport
import VeoProvider

/// `<out>/index.html`: the run as a page to look at and to send. One row per shot in manifest
/// order, its variants and takes side by side; each card shows the clip (poster, player, a strip of
/// frames across it), what was asked for, what it cost and how it ended. Self-contained: styles and
/// script inline, every link relative to the folder, no network; the report is embedded as JSON.
/// Everything from the manifest or the server is escaped (`HTML.escape`), and a per-page nonce lets
/// only the page's own script run.
public struct ContactSheet: Sendable {
    public var report: RunReport
    public var thumbnails: Thumbnails
    public var prices: PriceTable

    public init(report: RunReport, thumbnails: Thumbnails, prices: PriceTable = .defaults) {
        self.report = report
        self.thumbnails = thumbnails
        self.prices = prices
    }

    /// The page. `nonce` lets the page's own style and script through its Content-Security-Policy
    /// (and nothing else); a fresh one per page when not given.
    public func html(nonce: String? = nil) -> String {
        let nonce = nonce ?? UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var page = head(nonce: nonce)
        page += "<body>\n<a class=\"skip-link\" href=\"#shots\">Skip to the shots</a>\n"
        page += header()
        page += "<main id=\"shots\">\n"
        if let cuts = report.cuts, !cuts.isEmpty { page += cutsSection(cuts) }
        for shot in shots() { page += section(shot) }
        page += "<p class=\"empty-filter\" hidden>No failed or skipped jobs.</p>\n</main>\n"
        page += footer()
        page += "<script type=\"application/json\" id=\"run-report\">\(HTML.scriptJSON(reportJSON()))</script>\n"
        page += "<script nonce=\"\(nonce)\">\(Self.script)</script>\n</body>\n</html>\n"
        return page
    }

    // MARK: - Page parts

    private func head(nonce: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-\(nonce)'; script-src 'nonce-\(nonce)'; img-src 'self' file: data:; media-src 'self' file:">
        <meta name="color-scheme" content="light dark">
        <title>\(HTML.escape(report.manifest.name)) — veo-pipeline run \(HTML.escape(report.status))</title>
        <style nonce="\(nonce)">\(Self.style)</style>
        </head>

        """
    }

    private func header() -> String {
        let s = report.summary
        let totals = Totals(report: report, prices: prices)
        var out = "<header>\n<h1>\(HTML.escape(report.manifest.name))</h1>\n"
        out += "<p class=\"run-status status-\(HTML.escape(report.status))\">Run \(HTML.escape(report.status))"
        out += report.emulated ? " <span class=\"badge\">emulated: test patterns, nothing paid</span>" : ""
        out += "</p>\n<dl class=\"totals\">\n"
        out += fact("Started", report.startedAt) + fact("Finished", report.finishedAt)
        out += fact("Succeeded", "\(s.succeeded) of \(s.total)") + fact("Cached", "\(s.cached)")
        out += fact("Failed", "\(s.failed)") + fact("Skipped", "\(s.skipped)")
        out += fact("Video", "\(totals.seconds) s")
        out += fact("Rendered (estimate)", totals.money(totals.rendered))
        out += fact("Saved by the cache (estimate)", totals.money(totals.saved))
        out += "</dl>\n<p class=\"note\">Costs are estimates from list prices per generated second, not a bill.</p>\n"
        out += "<p class=\"filter\"><label><input type=\"checkbox\" id=\"only-problems\"> Show only failed and skipped jobs</label></p>\n"
        return out + "</header>\n"
    }

    private func footer() -> String {
        "<footer><p>Manifest <code>\(HTML.escape(report.manifest.path))</code> · written by \(HTML.escape(report.tool.name)) \(HTML.escape(report.tool.version)) · the run report is embedded in this page as JSON (<code>#run-report</code>) and beside it as <a href=\"report.json\">report.json</a>.</p></footer>\n"
    }

    private func section(_ shot: Shot) -> String {
        let id = HTML.anchor(shot: shot.id)
        var out = "<section class=\"shot\" id=\"\(HTML.escape(id))\" aria-labelledby=\"\(HTML.escape(id))-title\">\n"
        out += "<h2 id=\"\(HTML.escape(id))-title\">\(HTML.escape(shot.id)) <span class=\"count\">\(shot.jobs.count) job\(shot.jobs.count == 1 ? "" : "s")</span></h2>\n"
        out += "<div class=\"cards\">\n"
        for job in shot.jobs { out += Card(job: job, sheet: self).html() }
        return out + "</div>\n</section>\n"
    }

    /// The cuts, above the shots: the films the run made from its clips.
    private func cutsSection(_ cuts: [RunReport.CutEntry]) -> String {
        var out = "<section class=\"shot cuts\" id=\"cuts\" aria-labelledby=\"cuts-title\">\n"
        out += "<h2 id=\"cuts-title\">Cuts <span class=\"count\">\(cuts.count) cut\(cuts.count == 1 ? "" : "s")</span></h2>\n<div class=\"cards\">\n"
        for cut in cuts { out += CutCard(cut: cut, sheet: self).html() }
        return out + "</div>\n</section>\n"
    }

    /// A video with its poster (loaded as the card comes into view), its strip of frames and a
    /// caption linking the file. `label`, `stripAlt` and `caption` are escaped here.
    func figure(path: String, sha256: String, label: String, stripAlt: String, caption: String) -> String {
        let file = HTML.relativeURL(path)
        var out = "<figure class=\"media\">\n"
        let poster = thumbnails.posters[sha256].map { " data-poster=\"\(HTML.escape(HTML.relativeURL($0)))\"" } ?? ""
        out += "<video controls preload=\"none\" src=\"\(HTML.escape(file))\"\(poster) width=\"320\" aria-label=\"\(HTML.escape(label))\"></video>\n"
        if let strip = thumbnails.strips[sha256] {
            out += "<img class=\"strip\" loading=\"lazy\" src=\"\(HTML.escape(HTML.relativeURL(strip)))\" alt=\"\(HTML.escape(stripAlt))\">\n"
        }
        out += "<figcaption><a href=\"\(HTML.escape(file))\">\(HTML.escape(path))</a> · \(HTML.escape(caption))</figcaption>\n"
        return out + "</figure>\n"
    }

    func fact(_ term: String, _ value: String, raw: Bool = false) -> String {
        "<div><dt>\(HTML.escape(term))</dt><dd>\(raw ? value : HTML.escape(value))</dd></div>\n"
    }

    private func reportJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(report)) ?? Data("{}".utf8)
    }

    // MARK: - Shots in manifest order

    struct Shot {
        var id: String
        var jobs: [RunReport.Job]
    }

    /// Shots in the order the manifest writes them; in each, variants in manifest order, then takes.
    func shots() -> [Shot] {
        var order: [String] = []
        var jobs: [String: [RunReport.Job]] = [:]
        for job in report.jobs.sorted(by: { ($0.line, $0.column, $0.take) < ($1.line, $1.column, $1.take) }) {
            if jobs[job.shot] == nil { order.append(job.shot) }
            jobs[job.shot, default: []].append(job)
        }
        return order.map { Shot(id: $0, jobs: jobs[$0] ?? []) }
    }
}

/// The header's figures: seconds of video, estimated cost rendered and saved by the cache.
struct Totals {
    var seconds = 0
    var rendered = 0.0
    var saved = 0.0
    var currency: String

    init(report: RunReport, prices: PriceTable) {
        currency = prices.currency
        for job in report.jobs where job.status == "succeeded" {
            seconds += job.request.seconds
            let cost = Self.estimate(job, prices: prices) ?? 0
            if job.cached { saved += cost } else { rendered += cost }
        }
    }

    static func estimate(_ job: RunReport.Job, prices: PriceTable) -> Double? {
        guard let model = VideoModel(rawValue: job.request.model), let size = VideoSize(rawValue: job.request.size),
            let rate = prices.rate(model: model, size: size)
        else { return nil }
        return rate * Double(job.request.seconds)
    }

    func money(_ value: Double) -> String { String(format: "%.2f %@", value, currency) }
}
