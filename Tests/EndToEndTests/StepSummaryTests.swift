import Foundation
import Testing
import VeoRunner
import VeoViews

/// The step summary as GitHub takes it: the whole document under 1 MiB (issue 24, item 10), and
/// text from a provider shown as written, never as links or images (item 11). The Markdown is
/// rendered by cmarkgfm, GitHub's own cmark (`pip install cmarkgfm`).
@Suite struct StepSummaryTests {
    static let hostile = "Your quota is used up: [renew it here](https://evil.example/renew) ![](https://evil.example/pixel.png) "
        + "or visit www.evil.example or https://evil.example/x, mail me@evil.example, <b>bold</b> **strong** ~~gone~~ `code` | pipe &amp;"

    @Test func threeHundredFailedJobsAndSevenHundredCutsStayUnderTheLimit() async throws {
        let long = String(repeating: "ffmpeg: [in#0] error: (x) ", count: 200)  // 5,200 characters, half punctuation
        let report = try ReportFixture.report(failedJobs: 300, cuts: 700, message: long)
        let markdown = StepSummary.markdown(for: report, contactSheet: "out/index.html")
        #expect(markdown.utf8.count <= GitHubActions.summaryLimit, "\(markdown.utf8.count) bytes")
        #expect(markdown.contains("more cuts, not listed here"), "the cuts left out are counted")
        // The failed jobs come first and all fit; the note is at the end of the cuts' table.
        #expect(markdown.components(separatedBy: "| `generation_failed`:").count - 1 == 300)
        let html = try await Self.render(markdown)
        #expect(html.contains("<table>") && html.components(separatedBy: "<table>").count == 3, "both tables render")
    }

    @Test func anEarlierCommandsSummaryCountsAgainstTheLimit() throws {
        let report = try ReportFixture.report(failedJobs: 300, cuts: 0, message: String(repeating: "x", count: 900))
        let markdown = StepSummary.markdown(for: report, contactSheet: nil, limit: 100_000)
        #expect(markdown.utf8.count <= 100_000)
        #expect(markdown.contains("more jobs, not listed here"))
    }

    @Test func providerTextIsNeverALinkAnImageOrMarkup() async throws {
        let report = try ReportFixture.report(failedJobs: 1, cuts: 1, message: Self.hostile)
        let markdown = StepSummary.markdown(for: report, contactSheet: "out/index.html")
        let html = try await Self.render(markdown)
        for tag in ["<a ", "<img", "<b>", "<strong>strong", "<del>", "<code>code</code>"] {
            #expect(!html.contains(tag), "\(tag) in \(html)")
        }
        #expect(html.components(separatedBy: "<tr>").count - 1 == 4, "a pipe in the text does not add cells or rows: \(html)")
        // The reader still sees the text as written.
        #expect(html.contains("[renew it here](https://evil.example/renew)"), "\(html)")
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "\(html)")
    }

    /// The HTML GitHub would make of `markdown` (tables, autolinks, strikethrough on).
    static func render(_ markdown: String) async throws -> String {
        let file = NSTemporaryDirectory() + "summary-\(UUID().uuidString).md"
        try markdown.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = "import sys, cmarkgfm; print(cmarkgfm.github_flavored_markdown_to_html(open(sys.argv[1]).read()))"
        let result = try await Tools.run("python3", ["-c", script, file])
        try #require(result.status == 0, "cmarkgfm could not render the summary (pip install cmarkgfm):\n\(result.output)")
        return String(decoding: result.data, as: UTF8.self)
    }
}

/// Reports as `run` writes them, made to measure.
enum ReportFixture {
    static func report(failedJobs: Int, cuts: Int, message: String, started: String = "2026-11-30T00:00:00Z",
                       finished: String = "2026-11-30T00:10:00Z", wallSeconds: [Double] = []) throws -> RunReport {
        let jobs = (0..<failedJobs).map { i in
            """
            {"id": "job\(i)", "shot": "job\(i)", "variant": null, "take": 1, "line": \(i + 5), "column": 5,
             "status": "failed", "cached": false, "cache_key": null, "video_id": "video_\(i)",
             "request": {"model": "veo-3.1-fast-generate-preview", "prompt": "p", "seconds": 4, "size": "1280x720", "inputs": []},
             "output": null, "attempts": 1, "timings": {"submitted_at": null, "completed_at": null, "render_seconds": null, "wall_seconds": \(i < wallSeconds.count ? String(wallSeconds[i]) : "null")},
             "error": {"code": "generation_failed", "message": \(json(message)), "provider_code": "generation_failed"}, "skipped_because": null}
            """
        }
        let cutEntries = (0..<cuts).map { i in
            """
            {"id": "cut\(i)", "line": \(i + 1000), "column": 5, "status": "failed", "cached": false, "cache_key": null,
             "width": 1280, "height": 720, "fps": 24, "planned_seconds": 8, "output": null, "clips": [],
             "encode_seconds": null, "error": \(json(message)), "skipped_because": null}
            """
        }
        let text = """
            {"schema_version": 1, "tool": {"name": "veo-pipeline", "version": "0.2.0"},
             "manifest": {"path": "shots.yaml", "sha256": "\(String(repeating: "d", count: 64))", "name": "budget"},
             "started_at": "\(started)", "finished_at": "\(finished)", "status": "failed", "base_url": null, "emulated": false,
             "summary": {"total": \(failedJobs), "succeeded": 0, "failed": \(failedJobs), "skipped": 0, "cached": 0},
             "jobs": [\(jobs.joined(separator: ","))], "cuts": [\(cutEntries.joined(separator: ","))]}
            """
        return try JSONDecoder().decode(RunReport.self, from: Data(text.utf8))
    }

    static func json(_ s: String) -> String {
        (try? JSONEncoder().encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
