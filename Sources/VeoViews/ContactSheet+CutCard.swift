import Foundation
import VeoReport
import VeoSupport

/// One cut's card: the film, the clips it joins (each a link to its job's card) and how it ended.
struct CutCard {
    let cut: RunReport.CutEntry
    let sheet: ContactSheet

    func html() -> String {
        let id = HTML.anchor(cut: cut.id)
        let status = cut.cached ? "cached" : cut.status
        var out = "<article class=\"card cut status-\(HTML.escape(cut.status))\" data-status=\"\(HTML.escape(cut.status))\" id=\"\(HTML.escape(id))\" aria-labelledby=\"\(HTML.escape(id))-title\">\n"
        out += "<h3 id=\"\(HTML.escape(id))-title\">\(HTML.escape(cut.id))</h3>\n"
        out += "<p class=\"badges\"><span class=\"status-label\">\(HTML.escape(status))</span></p>\n"
        out += media()
        if let error = cut.error {
            out += "<p class=\"error\" role=\"note\"><strong>Failed:</strong> \(HTML.escape(error))</p>\n"
        } else if let reason = cut.skippedBecause {
            out += "<p class=\"skip\" role=\"note\"><strong>Skipped:</strong> \(HTML.escape(reason))</p>\n"
        }
        out += clips()
        out += facts()
        return out + "</article>\n"
    }

    private func media() -> String {
        guard let output = cut.output else {
            return "<div class=\"no-clip\" role=\"img\" aria-label=\"no cut\">no cut</div>\n"
        }
        return sheet.figure(
            path: output.path, sha256: output.sha256, label: "cut \(cut.id)", stripAlt: "frames across cut \(cut.id)",
            caption: "\(output.width)×\(output.height), \(output.fps) fps, \(String(format: "%.2f", output.duration)) s")
    }

    /// The clips in order, each linked to its job's card, with in and out points and fades.
    private func clips() -> String {
        var out = "<ol class=\"cut-clips\" aria-label=\"clips of cut \(HTML.escape(cut.id)), in order\">\n"
        for clip in cut.clips {
            out += "<li>"
            if clip.fadeSeconds > 0 { out += "<span class=\"role\">fade \(Self.seconds(clip.fadeSeconds)) s</span> " }
            out += "<a href=\"#\(HTML.escape(HTML.anchor(job: clip.job)))\">\(HTML.escape(clip.job))</a>"
            if clip.start > 0 || clip.end != nil {
                out += " <span class=\"trim\">\(Self.seconds(clip.start))–\(clip.end.map(Self.seconds) ?? "end") s</span>"
            }
            out += "</li>\n"
        }
        return out + "</ol>\n"
    }

    private func facts() -> String {
        var out = "<dl class=\"facts\">\n"
        out += sheet.fact("Size", "\(cut.width)×\(cut.height)") + sheet.fact("Frame rate", "\(cut.fps) fps")
        out += sheet.fact("Length", "\(Self.seconds(cut.output?.duration ?? cut.plannedSeconds)) s")
        if let seconds = cut.encodeSeconds { out += sheet.fact("Encoded in", String(format: "%.1f s", seconds)) }
        if let key = cut.cacheKey {
            out += sheet.fact("Cache key", "<code title=\"\(HTML.escape(key))\">\(HTML.escape(String(key.prefix(12))))…</code>", raw: true)
        }
        return out + "</dl>\n"
    }

    static func seconds(_ value: Double) -> String {
        DecimalText.string(value, maxDecimals: 2)
    }
}
