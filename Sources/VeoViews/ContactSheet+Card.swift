import Foundation
import VeoProvider
import VeoRunner

/// One job's card: the clip, what was asked for, how it ended.
struct Card {
    let job: RunReport.Job
    let sheet: ContactSheet

    func html() -> String {
        let id = HTML.anchor(job: job.id)
        let status = job.cached ? "cached" : job.status
        var out = "<article class=\"card status-\(HTML.escape(job.status))\" data-status=\"\(HTML.escape(job.status))\" id=\"\(HTML.escape(id))\" aria-labelledby=\"\(HTML.escape(id))-title\">\n"
        out += "<h3 id=\"\(HTML.escape(id))-title\">\(title())</h3>\n"
        out += "<p class=\"badges\"><span class=\"status-label\">\(HTML.escape(status))</span>\(job.take > 1 || job.variant != nil ? " <span class=\"job-id\">\(HTML.escape(job.id))</span>" : "")</p>\n"
        out += media()
        out += outcome()
        out += prose()
        out += inputs()
        out += facts()
        return out + "</article>\n"
    }

    /// The request's prose fields (the prompt), each its own paragraph; the other fields are
    /// facts (`RequestFields`: each field says how it is shown).
    private func prose() -> String {
        var out = ""
        for (field, value) in job.request.values where field.display == .prose {
            out += "<p class=\"\(HTML.escape(field.name.replacingOccurrences(of: "_", with: "-")))\">\(HTML.escape(field.shown(value)))</p>\n"
        }
        return out
    }

    private func title() -> String {
        if job.variant == nil && job.take == 1 { return HTML.escape(job.id) }
        var parts: [String] = []
        if let variant = job.variant { parts.append(HTML.escape(variant)) }
        parts.append("take \(job.take)")
        return parts.joined(separator: " · ")
    }

    /// The player (poster loaded when the card scrolls into view) and the strip of frames.
    private func media() -> String {
        guard let output = job.output else {
            return "<div class=\"no-clip\" role=\"img\" aria-label=\"no clip\">no clip</div>\n"
        }
        return sheet.figure(
            path: output.path, sha256: output.sha256, label: "clip of \(job.id)", stripAlt: "frames across the clip of \(job.id), one per second",
            caption: "\(output.width)×\(output.height), \(String(format: "%.1f", output.duration)) s")
    }

    private func outcome() -> String {
        if let error = job.error {
            let provider = error.providerCode.map { " (provider: <code>\(HTML.escape($0))</code>)" } ?? ""
            return "<p class=\"error\" role=\"note\"><strong>Failed:</strong> <code>\(HTML.escape(error.code))</code>\(provider): \(HTML.escape(error.message))</p>\n"
        }
        if let reason = job.skippedBecause {
            return "<p class=\"skip\" role=\"note\"><strong>Skipped:</strong> \(HTML.escape(reason))</p>\n"
        }
        return ""
    }

    /// Input images as thumbnails; a frame of another shot links to that shot's card.
    private func inputs() -> String {
        guard !job.request.inputs.isEmpty else { return "" }
        var out = "<ul class=\"inputs\" aria-label=\"input images\">\n"
        for input in job.request.inputs {
            let role = input.role.replacingOccurrences(of: "_", with: " ")
            out += "<li><span class=\"role\">\(HTML.escape(role))</span> "
            if let sha = input.sha256, let thumb = sheet.thumbnails.images[sha] {
                out += "<img loading=\"lazy\" src=\"\(HTML.escape(HTML.relativeURL(thumb)))\" alt=\"\(HTML.escape(role)): \(HTML.escape(input.source))\" height=\"54\"> "
            }
            switch ImageSource.Kind(written: input.kind) {
            case .job:
                let frame = input.frame ?? "last"
                out += "<a href=\"#\(HTML.escape(HTML.anchor(job: input.source)))\">\(HTML.escape(frame)) frame of \(HTML.escape(input.source))</a>"
            case .url:
                out += "<span class=\"url\">\(HTML.escape(input.source))</span>"
            default:
                out += "<span class=\"file\">\(HTML.escape(input.source))</span>"
            }
            out += "</li>\n"
        }
        return out + "</ul>\n"
    }

    private func facts() -> String {
        var out = "<dl class=\"facts\">\n"
        for (field, value) in job.request.values {
            if case .fact(let label) = field.display { out += sheet.fact(label, field.shown(value)) }
        }
        if let cost = Totals.estimate(job, prices: sheet.prices) {
            out += sheet.fact(job.cached ? "Cost (saved)" : "Cost (estimate)", String(format: "%.2f %@", cost, sheet.prices.currency))
        }
        if let seconds = job.timings.renderSeconds { out += sheet.fact("Rendered in", String(format: "%.0f s", seconds)) }
        if let video = job.videoID { out += sheet.fact("Video id", "<code>\(HTML.escape(video))</code>", raw: true) }
        if let key = job.cacheKey {
            out += sheet.fact("Cache key", "<code title=\"\(HTML.escape(key))\">\(HTML.escape(String(key.prefix(12))))…</code>", raw: true)
        }
        return out + "</dl>\n"
    }
}
