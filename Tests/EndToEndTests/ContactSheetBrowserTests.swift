import Foundation
import Testing
import VeoEmulator
import VeoRunner

/// The contact sheet opened from `file://` in a real browser (Debian's Chromium, driven by
/// Playwright for Python through `scripts/browser/inspect_contact_sheet.py`).
@Suite struct ContactSheetBrowserTests {
    static let script = Package.root + "/scripts/browser/inspect_contact_sheet.py"
    /// Screenshots are kept here for people to look at (CI uploads `.build/test-artifacts`).
    static let artifacts = Package.root + "/.build/test-artifacts"

    struct Facts: Decodable {
        struct Card: Decodable { var id: String; var status: String; var prompt: String? }
        struct Video: Decodable { var card: String; var src: String?; var duration: Double?; var error: String? }
        struct Image: Decodable { var src: String?; var width: Int }
        var cards: [Card]
        var videos: [Video]
        var images: [Image]
        var posters: [Int]
        var console_errors: [String]
        var page_errors: [String]
        var outside_requests: [String]
        var dialogs: [String]
        var scripts_in_cards: Int
        var visible_before_filter: [String]
        var visible_with_filter: [String]
        var focused_after_two_tabs: String?
        var embedded_report_jobs: Int
        var interactive_seconds: Double
    }

    @Test func theTourOpensInChromiumWithEveryClipImageAndTheFilterWorking() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["DOOMED"]
        try await Harness.with(faults: faults) { h in
            let tour = try String(contentsOfFile: Package.root + "/pipelines/tour.yaml", encoding: .utf8)
            // The test's shots go before the tour's cuts (the last section of the file).
            let parts = tour.components(separatedBy: "\n# Cuts join")
            try #require(parts.count == 2, "the tour's cuts section moved")
            try h.writeManifest(parts[0] + """

                  - id: hostile
                    prompt: "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
                  - id: doomed
                    prompt: E2E DOOMED shot
                  - id: after-doomed
                    prompt: waits for the doomed one
                    first_frame: {shot: doomed, frame: last}

                """ + "# Cuts join" + parts[1] + """
                  - id: doomed-cut
                    clips: [savanna, doomed]
                """)
            let first = try await h.run()
            #expect(first.code == 1, "\(first)")  // 'doomed' fails on purpose
            let second = try await h.run()  // the rest comes from the cache
            #expect(second.code == 1, "\(second)")
            let report = try await h.report()
            #expect(report.summary.cached == 13 && report.summary.failed == 1 && report.summary.skipped == 1, "\(report.summary)")
            let page = h.out + "/index.html"
            #expect(FileManager.default.fileExists(atPath: page))

            try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
            let shot = Self.artifacts + "/contact-sheet.png"
            let inspected = try await Tools.run("python3", [Self.script, page, shot])
            try #require(inspected.status == 0, "the browser could not inspect the page (install: apt-get install chromium; pip install playwright):\n\(inspected.output)")
            let facts = try JSONDecoder().decode(Facts.self, from: inspected.data)

            // One card per cut (first), then one per job, in manifest order.
            let cuts = try #require(report.cuts)
            #expect(cuts.map(\.id) == ["trailer", "doomed-cut"])
            #expect(cuts.map(\.status) == ["succeeded", "skipped"])
            #expect(facts.cards.map(\.id).prefix(2) == ["cut-trailer", "cut-doomed-cut"])
            #expect(facts.cards.count == report.jobs.count + cuts.count)
            #expect(facts.embedded_report_jobs == report.jobs.count)
            // Every clip loads, and is as long as its job asked; the cut as long as its clips less the fade.
            var seconds = Dictionary(uniqueKeysWithValues: report.jobs.map { ("job-" + $0.id.replacingOccurrences(of: "/", with: ".").replacingOccurrences(of: "#", with: "~"), Double($0.request.seconds)) })
            seconds["cut-trailer"] = 4 + 8 + 8 - 0.5 + 7 + 4 - 0.5
            #expect(facts.videos.count == report.jobs.count { $0.output != nil } + 1)
            for video in facts.videos {
                let expected = try #require(seconds[video.card])
                #expect(video.error == nil, "\(video)")
                #expect(abs((video.duration ?? 0) - expected) < 0.5, "\(video)")
            }
            // Every image and poster loads.
            #expect(!facts.images.isEmpty)
            for image in facts.images { #expect(image.width > 0, "\(image)") }
            #expect(facts.posters.count == facts.videos.count && facts.posters.allSatisfy { $0 > 0 }, "\(facts.posters)")
            // Nothing broke, nothing left the folder, nothing hostile ran.
            #expect(facts.console_errors.isEmpty, "\(facts.console_errors)")
            #expect(facts.page_errors.isEmpty, "\(facts.page_errors)")
            #expect(facts.outside_requests.isEmpty, "\(facts.outside_requests)")
            #expect(facts.dialogs.isEmpty, "\(facts.dialogs)")
            #expect(facts.scripts_in_cards == 0)
            #expect(facts.cards.first { $0.id == "job-hostile" }?.prompt == "<script>alert(1)</script> and <img src=x onerror=alert(2)>")
            // The failure filter shows exactly the failed and skipped jobs; the keyboard reaches it.
            #expect(facts.visible_before_filter.count == report.jobs.count + cuts.count)
            #expect(Set(facts.visible_with_filter) == ["job-doomed", "job-after-doomed", "cut-doomed-cut"])
            #expect(facts.focused_after_two_tabs == "only-problems")
            #expect(FileManager.default.fileExists(atPath: shot))
        }
    }

    @Test func reportWritesThePageAgainWithNoAPICall() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E report again}"))
            #expect(try await h.run().code == 0)
            let page = h.out + "/index.html"
            try FileManager.default.removeItem(atPath: page)
            try FileManager.default.removeItem(atPath: h.out + "/thumbs")
            let requestsBefore = await h.record().requests.count
            let result = try await h.cli(["report", h.out], environment: Harness.environment(key: nil))
            #expect(result.code == 0, "\(result)")
            #expect(result.stdout.contains("Contact sheet: "), "\(result)")
            let html = try String(contentsOfFile: page, encoding: .utf8)
            #expect(html.contains("E2E report again"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/thumbs").count == 2)  // poster and strip
            #expect(await h.record().requests.count == requestsBefore)
            // A folder without a report says what to do.
            let empty = try await h.cli(["report", h.directory], environment: Harness.environment(key: nil))
            #expect(empty.code == 64 && empty.stderr.contains("no report.json"), "\(empty)")
        }
    }
}
