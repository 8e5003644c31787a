import Foundation
import Testing
import VeoRunner
import VeoEmulator

/// A matrix's combinations are ordinary jobs to the runner: `--only` names one by its id, a frame
/// reference pulls in another, and their clips and report entries use the same ids.
@Suite struct MatrixRunTests {
    @Test func onlyRunsTheNamedCombinationAndTheOneItsFrameComesFrom() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "matrix", """
                  - id: hero
                    prompt: E2E matrix hero
                    matrix:
                      size: [1280x720, 720x1280]
                      model: [veo-3.1-fast-generate-preview, veo-3.1-generate-preview]
                  - id: epi
                    prompt: E2E matrix epilogue
                    size: 720x1280
                    first_frame: {shot: hero, variant: 720x1280-fast, frame: last}
                """))
            let result = try await h.run(["--only", "hero/1280x720-standard", "epi"])
            #expect(result.code == 0, "\(result)")
            let record = await h.record()
            #expect(record.createCount == 3)
            let sent = Set(record.creates.filter { $0.videoID != nil }.map { "\($0.fields["prompt"] ?? "") \($0.fields["size"] ?? "") \($0.fields["model"] ?? "")" })
            #expect(sent == [
                "E2E matrix hero 1280x720 veo-3.1-generate-preview", "E2E matrix hero 720x1280 veo-3.1-fast-generate-preview",
                "E2E matrix epilogue 720x1280 veo-3.1-fast-generate-preview",
            ])
            let report = try await h.report()
            for id in ["hero/1280x720-standard", "hero/720x1280-fast", "epi"] {
                #expect(report.job(id)?.status == "succeeded", "\(id)")
            }
            #expect(report.job("hero/720x1280-fast")?.variant == "720x1280-fast")
            for id in ["hero/1280x720-fast", "hero/720x1280-standard"] {
                #expect(report.job(id)?.status == "skipped", "\(id)")
            }
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/hero/720x1280-fast.mp4"))
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/hero/1280x720-standard.mp4"))
            #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/hero/1280x720-fast.mp4"))
        }
    }
}
