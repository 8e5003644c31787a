import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator

/// Every manifest feature, through the built binary, checked against what reached the emulator.
@Suite struct ManifestFeatureTests {
    static let manifest = manifestYAML(name: "features", """
          - id: text
            prompt: E2E text only shot
          - id: refs
            prompt: E2E reference shot
            references: [assets/lion.jpg, assets/style-board.png]
          - id: urls
            prompt: E2E url shot
            references: [https://example.com/a.jpg, https://example.com/b.png]
          - id: bridge
            prompt: E2E bridge shot
            first_frame: {shot: text, frame: last}
            last_frame: assets/closeup-start.jpg
          - id: hero
            prompt: E2E hero draft
            takes: 2
            variants:
              - id: draft
              - id: final
                prompt: E2E hero final
          - id: epi
            prompt: E2E epilogue shot
            first_frame: {shot: hero, variant: final, take: 2, frame: first}
        """)

    static let paths: [String: String] = [
        "text": "clips/text.mp4", "refs": "clips/refs.mp4", "urls": "clips/urls.mp4", "bridge": "clips/bridge.mp4",
        "hero/draft": "clips/hero/draft.mp4", "hero/draft#2": "clips/hero/draft.take2.mp4",
        "hero/final": "clips/hero/final.mp4", "hero/final#2": "clips/hero/final.take2.mp4", "epi": "clips/epi.mp4",
    ]

    @Test func everyFeatureReachesTheServerAndTheOutDir() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.manifest)
            let result = try await h.run()
            #expect(result.code == 0, "\(result)")
            let record = await h.record()
            let report = try await h.report()

            // One POST per job, each created once.
            #expect(record.createAttemptCount == 9)
            #expect(record.createCount == 9)
            #expect(record.createdPerPrompt == [
                "E2E text only shot": 1, "E2E reference shot": 1, "E2E url shot": 1, "E2E bridge shot": 1,
                "E2E hero draft": 2, "E2E hero final": 2, "E2E epilogue shot": 1,
            ])
            func create(_ prompt: String) -> RecordedRequest? { record.creates.first { $0.fields["prompt"] == prompt } }

            // Text: no image.
            let text = try #require(create("E2E text only shot"))
            #expect(text.imageSHA256.isEmpty && text.imageURLs.isEmpty)
            #expect(text.fields["model"] == "veo-3.1-fast-generate-preview")
            #expect(text.fields["seconds"] == "4")
            #expect(text.fields["size"] == "1280x720")

            // References from files: multipart, the files' bytes, in order.
            let refs = try #require(create("E2E reference shot"))
            #expect(refs.contentType == "multipart")
            #expect(refs.imageSHA256 == [try Tools.sha256(h.directory + "/assets/lion.jpg"), try Tools.sha256(h.directory + "/assets/style-board.png")])
            #expect(report.job("refs")?.request.inputs.map(\.sha256) == refs.imageSHA256)

            // URL references: JSON, the URLs in order.
            let urls = try #require(create("E2E url shot"))
            #expect(urls.contentType == "json")
            #expect(urls.imageURLs == ["https://example.com/a.jpg", "https://example.com/b.png"])
            #expect(urls.imageSHA256.isEmpty)

            // First frame from the upstream clip's last frame, last frame from a file.
            let bridge = try #require(create("E2E bridge shot"))
            let lastPNG = h.out + "/frames/text.last.png"
            #expect(FileManager.default.fileExists(atPath: lastPNG))
            #expect(bridge.imageSHA256.count == 2)
            #expect(bridge.imageSHA256.first == (try? Tools.sha256(lastPNG)))
            #expect(bridge.imageSHA256.last == (try? Tools.sha256(h.directory + "/assets/closeup-start.jpg")))
            let bridgeJob = try #require(report.job("bridge"))
            #expect(bridgeJob.request.inputs.map(\.role) == ["first_frame", "last_frame"])
            #expect(bridgeJob.request.inputs.first?.kind == "job")
            #expect(bridgeJob.request.inputs.first?.source == "text")
            #expect(bridgeJob.request.inputs.first?.frame == "last")
            #expect(bridgeJob.request.inputs.map(\.sha256) == bridge.imageSHA256)
            // The PNG sent is the upstream clip's last frame: same colour as our own extraction,
            // not the colour of the clip's first frame (the emulator's clips change colour halfway).
            let upstreamClip = h.out + "/clips/text.mp4"
            try await Tools.lastFrame(of: upstreamClip, to: h.directory + "/mine-last.png")
            try await Tools.firstFrame(of: upstreamClip, to: h.directory + "/mine-first.png")
            let sent = try await Tools.pixel(lastPNG)
            let mineLast = try await Tools.pixel(h.directory + "/mine-last.png")
            let mineFirst = try await Tools.pixel(h.directory + "/mine-first.png")
            #expect(Tools.distance(sent, mineLast) < 30, "sent \(sent), last frame \(mineLast)")
            #expect(Tools.distance(sent, mineFirst) > 60, "sent \(sent) looks like the FIRST frame \(mineFirst)")

            // A first frame of a variant's second take.
            let epi = try #require(create("E2E epilogue shot"))
            let firstPNG = h.out + "/frames/hero--final.take2.first.png"
            #expect(epi.imageSHA256 == [(try? Tools.sha256(firstPNG)) ?? "missing \(firstPNG)"])
            let heroClip = h.out + "/clips/hero/final.take2.mp4"
            try await Tools.firstFrame(of: heroClip, to: h.directory + "/hero-first.png")
            try await Tools.lastFrame(of: heroClip, to: h.directory + "/hero-last.png")
            let epiSent = try await Tools.pixel(firstPNG)
            #expect(Tools.distance(epiSent, try await Tools.pixel(h.directory + "/hero-first.png")) < 30)
            #expect(Tools.distance(epiSent, try await Tools.pixel(h.directory + "/hero-last.png")) > 60)
            #expect(report.job("epi")?.request.inputs.first?.source == "hero/final#2")
            #expect(report.job("epi")?.request.inputs.first?.frame == "first")

            // Variants and takes: ids, fields, paths.
            #expect(report.jobs.map(\.id).sorted() == Self.paths.keys.sorted())
            let final2 = try #require(report.job("hero/final#2"))
            #expect(final2.shot == "hero" && final2.variant == "final" && final2.take == 2)
            #expect(report.job("text")?.variant == nil && report.job("text")?.take == 1)
            // Two takes are two generations: different video ids.
            #expect(report.job("hero/final")?.videoID != final2.videoID)

            // Every clip: at its documented path, verified, as the report says.
            #expect(report.status == "succeeded")
            #expect(report.summary.total == 9 && report.summary.succeeded == 9 && report.summary.cached == 0)
            #expect(report.manifest.name == "features")
            #expect(report.manifest.sha256 == (try? Tools.sha256(h.manifest)))
            #expect(report.baseURL == h.baseURL)
            let createdIDs = Set(record.creates.compactMap(\.videoID))
            for job in report.jobs {
                let expected = try #require(Self.paths[job.id])
                let output = try #require(job.output, "\(job.id) has no output")
                #expect(output.path == expected)
                #expect(job.status == "succeeded" && !job.cached && job.attempts == 1)
                #expect(createdIDs.contains(job.videoID ?? "none"))
                let clip = h.out + "/" + expected
                #expect(try Tools.sha256(clip) == output.sha256)
                let info = try await Tools.probe(clip)
                #expect(info.width == 1280 && info.height == 720, "\(job.id)")
                #expect(abs(info.duration - 4) < 0.6, "\(job.id): \(info.duration)")
                #expect(output.width == 1280 && output.height == 720 && output.bytes > 0)
            }
            // No stray files: nothing half-written is left.
            let files = try FileManager.default.subpathsOfDirectory(atPath: h.out)
            #expect(files.filter { $0.hasSuffix(".part") || $0.hasSuffix(".tmp") || $0.hasSuffix(".download") }.isEmpty, "\(files)")
            #expect(result.stdout.contains("Run succeeded"))
        }
    }

    /// Sizes, durations and models other than the defaults reach the server and are verified.
    @Test func portraitAndStandardModel() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "sizes", """
                  - id: tall
                    prompt: E2E portrait shot
                    size: 720x1280
                    seconds: 6
                    model: veo-3.1-generate-preview
                    references: [assets/poster-portrait.webp]
                """))
            let result = try await h.run()
            #expect(result.code == 0, "\(result)")
            let create = try #require(await h.record().creates.first)
            #expect(create.fields["size"] == "720x1280")
            #expect(create.fields["seconds"] == "6")
            #expect(create.fields["model"] == "veo-3.1-generate-preview")
            #expect(create.imageSHA256 == [try Tools.sha256(h.directory + "/assets/poster-portrait.webp")])
            let info = try await Tools.probe(h.out + "/clips/tall.mp4")
            #expect(info.width == 720 && info.height == 1280 && abs(info.duration - 6) < 0.6)
            let job = try #require(try await h.report().job("tall"))
            #expect(job.output?.width == 720 && job.output?.height == 1280)
        }
    }
}
