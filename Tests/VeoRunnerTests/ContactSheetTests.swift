import Foundation
import Testing
import VeoManifest
import VeoRunner
import VeoReport

@testable import VeoViews

@Suite("Contact sheet HTML")
struct ContactSheetTests {
    /// A report as `run` writes it, with a succeeded, a cached, a failed and a skipped job.
    static func report(prompt: String = "A lion", fileName: String = "assets/lion.jpg") throws -> RunReport {
        func job(_ id: String, shot: String, variant: String?, take: Int, line: Int, status: String, cached: Bool = false,
                 output: String?, error: String? = nil, skipped: String? = nil, inputs: String = "[]") -> String {
            let out = output.map { #"{"path": "\#($0)", "bytes": 10, "sha256": "\#(String(repeating: "a", count: 63) + String(line % 10))", "width": 1280, "height": 720, "duration": 4.0}"# } ?? "null"
            return """
                {"id": \(json(id)), "shot": \(json(shot)), "variant": \(variant.map(json) ?? "null"), "take": \(take), "line": \(line), "column": 5,
                 "status": "\(status)", "cached": \(cached), "cache_key": "\(String(repeating: "c", count: 64))", "video_id": "video_1",
                 "request": {"model": "veo-3.1-fast-generate-preview", "prompt": \(json(prompt)), "seconds": 4, "size": "1280x720", "inputs": \(inputs)},
                 "output": \(out), "attempts": 1, "timings": {"submitted_at": null, "completed_at": null, "render_seconds": 12.0},
                 "error": \(error ?? "null"), "skipped_because": \(skipped.map(json) ?? "null")}
                """
        }
        let frameInput = #"[{"role": "first_frame", "kind": "job", "source": "hero/final#2", "frame": "last", "sha256": null}, {"role": "last_frame", "kind": "file", "source": \#(json(fileName)), "frame": null, "sha256": null}]"#
        let jobs = [
            job("hero/final#2", shot: "hero", variant: "final", take: 2, line: 3, status: "succeeded", output: "clips/hero/final.take2.mp4"),
            job("a b", shot: "a b", variant: nil, take: 1, line: 1, status: "succeeded", cached: true, output: "clips/a b/ünï.mp4"),
            job("doomed", shot: "doomed", variant: nil, take: 1, line: 5, status: "failed", output: nil,
                error: #"{"code": "generation_failed", "message": "rejected <b>bold</b>", "provider_code": "x\u001b[2J"}"#),
            job("after", shot: "after", variant: nil, take: 1, line: 7, status: "skipped", output: nil, skipped: "upstream job 'doomed' failed", inputs: frameInput),
        ]
        let text = """
            {"schema_version": 1, "tool": {"name": "veo-pipeline", "version": "0.2.0"},
             "manifest": {"path": "shots.yaml", "sha256": "\(String(repeating: "d", count: 64))", "name": "<i>name</i>"},
             "started_at": "2026-11-30T00:00:00Z", "finished_at": "2026-11-30T00:01:00Z", "status": "failed", "base_url": null,
             "emulated": true, "emulator": {"render_seconds": 1, "state_directory": ".emulator"},
             "summary": {"total": 4, "succeeded": 2, "failed": 1, "skipped": 1, "cached": 1}, "jobs": [\(jobs.joined(separator: ","))]}
            """
        return try JSONDecoder().decode(RunReport.self, from: Data(text.utf8))
    }

    static func json(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }

    @Test func somethingFromTheManifestOrServerIsTextNeverMarkup() throws {
        let html = ContactSheet(report: try Self.report(prompt: "<script>alert(1)</script> & \"quotes\""), thumbnails: Thumbnails()).html(nonce: "N")
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(html.contains("rejected &lt;b&gt;bold&lt;/b&gt;"))
        #expect(html.contains("&lt;i&gt;name&lt;/i&gt;"))
        #expect(!html.contains("\u{1B}"), "a control character from the server reached the page")
        // The embedded report cannot close its element, whatever a prompt says.
        let embedded = try #require(html.range(of: #"<script type="application/json" id="run-report">"#))
        let rest = html[embedded.upperBound...]
        let close = try #require(rest.range(of: "</script>"))
        #expect(!rest[..<close.lowerBound].contains("<"))
        // Only the page's own script and style may run: a nonce, no unsafe-inline.
        #expect(html.contains("script-src 'nonce-N'") && !html.contains("unsafe-inline"))
        #expect(html.components(separatedBy: "<script nonce=\"N\">").count == 2)
    }

    @Test func linksAreRelativeAndEncodedForSpacesAndUnicode() throws {
        var thumbnails = Thumbnails()
        let report = try Self.report()
        for job in report.jobs { if let out = job.output { thumbnails.posters[out.sha256] = "thumbs/\(out.sha256).poster.jpg" } }
        let html = ContactSheet(report: report, thumbnails: thumbnails).html()
        #expect(html.contains(#"src="clips/a%20b/%C3%BCn%C3%AF.mp4""#))
        #expect(html.contains(#"data-poster="thumbs/"#))
        for attribute in ["src=\"", "href=\"", "data-poster=\""] {
            for part in html.components(separatedBy: attribute).dropFirst() {
                let value = String(part.prefix { $0 != "\"" })
                #expect(!value.hasPrefix("/") && !value.contains("://"), "\(attribute)\(value) is not relative")
            }
        }
    }

    @Test func failedAndSkippedCardsStandOutAndFramesLinkToTheirCard() throws {
        let html = ContactSheet(report: try Self.report(), thumbnails: Thumbnails()).html()
        #expect(html.contains(#"<article class="card status-failed" data-status="failed" id="job-doomed""#))
        #expect(html.contains(#"<article class="card status-skipped" data-status="skipped" id="job-after""#))
        #expect(html.contains("<code>generation_failed</code>"))
        #expect(html.contains("Skipped:</strong> upstream job &#39;doomed&#39; failed"))
        #expect(html.contains(##"<a href="#job-hero.final~2">last frame of hero/final#2</a>"##))
        #expect(html.contains(#"id="job-hero.final~2""#))
        #expect(html.contains(#"<span class="status-label">cached</span>"#))
        #expect(html.contains("Saved by the cache (estimate)</dt><dd>0.40 USD"))
    }

    @Test func shotsComeInManifestOrder() throws {
        let sheet = ContactSheet(report: try Self.report(), thumbnails: Thumbnails())
        #expect(sheet.shots().map(\.id) == ["a b", "hero", "doomed", "after"])
    }

    @Test func aThousandJobsMakeOnePageWithEveryCard() throws {
        var report = try Self.report()
        let template = report.jobs[0]
        report.jobs = (0..<1000).map { i in
            var job = template
            job.id = "shot-\(i)"
            job.shot = "shot-\(i)"
            job.variant = nil
            job.line = i + 1
            return job
        }
        let html = ContactSheet(report: report, thumbnails: Thumbnails()).html()
        #expect(html.components(separatedBy: "<article class=\"card").count == 1001)
    }
    @Test func scriptJSONEscapesWhatCouldEndTheScriptAndNothingElse() {
        let texts = ["plain", "</script><b>", "a\u{2028}b\u{2029}c", "€ é 日本 \u{2027}\u{202A}", "<\u{2028}<", "", "\u{E2}\u{80}"]
        for text in texts {
            let reference = text.replacingOccurrences(of: "<", with: "\\u003c")
                .replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
            #expect(HTML.scriptJSON(Data(text.utf8)) == reference, "\(text)")
        }
    }
}

