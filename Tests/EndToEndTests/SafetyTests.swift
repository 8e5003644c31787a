import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator

/// Review findings: nothing paid twice or lost when jobs share a frame or a content key, or when a
/// recorded clip disappears.
@Suite struct SafetyTests {
    @Test func jobsSharingAnUpstreamFrameExtractItOnceAndAllSucceed() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "fan-out", """
                  - id: a
                    prompt: E2E fan-out source
                  - {id: b, prompt: E2E fan b, first_frame: {shot: a, frame: last}}
                  - {id: c, prompt: E2E fan c, first_frame: {shot: a, frame: last}}
                  - {id: d, prompt: E2E fan d, first_frame: {shot: a, frame: last}}
                  - {id: e, prompt: E2E fan e, first_frame: {shot: a, frame: last}}
                """))
            let result = try await h.run(["--concurrency", "8"])
            #expect(result.code == 0, "\(result)")
            let record = await h.record()
            #expect(record.createCount == 5)
            // Every downstream job sent the same frame, the one left in frames/.
            let frameSHA = try CacheKey.sha256(ofFile: h.out + "/frames/a.last.png")
            let sent = record.creates.filter { $0.fields["prompt"]?.hasPrefix("E2E fan ") == true }.map(\.imageSHA256)
            #expect(sent.count == 4)
            #expect(sent.allSatisfy { $0 == [frameSHA] })
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: h.out + "/frames").filter { $0.contains(".part") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test func identicalShotsArePaidForOnce() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "twins", """
                  - {id: a, prompt: E2E identical twins}
                  - {id: b, prompt: E2E identical twins}
                """))
            let result = try await h.run(["--concurrency", "4"])
            #expect(result.code == 0, "\(result)")
            #expect(await h.record().createCount == 1)
            let report = try await h.report()
            #expect(report.job("a")?.output?.sha256 == report.job("b")?.output?.sha256)
            #expect(report.summary.succeeded == 2 && report.summary.failed == 0)
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/a.mp4"))
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/b.mp4"))
        }
    }

    @Test func aDeletedClipIsFetchedAgainByItsVideoIDNotRegenerated() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "lost", """
                  - {id: a, prompt: E2E lost clip}
                """))
            #expect(try await h.run().code == 0)
            let first = try await h.report()
            // Deleted from clips/ only: restored from the folder's clip store, no request at all.
            try FileManager.default.removeItem(atPath: h.out + "/clips/a.mp4")
            await h.emulator.reset()
            #expect(try await h.run().code == 0)
            #expect(await h.record().requests.isEmpty)
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/a.mp4"))
            // Gone from the store too: fetched again by its video id, never generated again.
            try FileManager.default.removeItem(atPath: h.out + "/clips/a.mp4")
            try FileManager.default.removeItem(atPath: h.out + "/cache")
            await h.emulator.reset()
            let again = try await h.run()
            #expect(again.code == 0, "\(again)")
            let record = await h.record()
            #expect(record.createAttemptCount == 0, "no new generation")
            #expect(record.fileDownloadCount >= 1)
            let second = try await h.report()
            #expect(second.job("a")?.videoID == first.job("a")?.videoID)
            #expect(second.job("a")?.output?.sha256 == first.job("a")?.output?.sha256)
        }
    }
}
