import Foundation
import Testing
import VeoEmulator
import VeoRunner

/// Cuts end to end on the emulator, whose clips are one colour in their first half and another in
/// their second: the joins, fades and trims are checked by the pixels of the encoded cut.
@Suite struct CutTests {
    /// The mean RGB of a 32×32 patch at the top middle of the frame shown at `seconds` (the
    /// emulator's sliding white box never reaches it; scaled and padded clips still cover it).
    static func colour(_ file: String, at seconds: Double) async throws -> [Int] {
        let r = try await Tools.run("ffmpeg", [
            "-v", "error", "-ss", String(format: "%.3f", seconds), "-i", file, "-frames:v", "1",
            "-vf", "crop=32:32:iw/2-16:8,scale=1:1:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        guard r.status == 0, r.data.count == 3 else { throw HarnessError("cannot read the colour of \(file) at \(seconds) s: \(r.output)") }
        return r.data.map { Int($0) }
    }

    /// The two colours of an emulator clip: its first and its second half.
    static func halves(_ clip: String, seconds: Double) async throws -> (first: [Int], second: [Int]) {
        (try await colour(clip, at: 0.2), try await colour(clip, at: seconds - 0.3))
    }

    static func close(_ a: [Int], _ b: [Int], within tolerance: Int = 24) -> Bool { Tools.distance(a, b) <= tolerance }

    static let fourClips = manifestYAML("""
          - {id: a, prompt: E2E cut a}
          - {id: b, prompt: E2E cut b}
          - {id: c, prompt: E2E cut c}
          - {id: d, prompt: E2E cut d, seconds: 8}
        cuts:
          - id: reel
            clips:
              - a
              - b
              - shot: c
                transition: {type: fade, seconds: 1}
              - shot: d
                trim: {start: 2, end: 6}
        """)

    @Test func hardCutsFadesAndTrimsAreWhereThePixelsSay() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.fourClips)
            let run = try await h.run()
            #expect(run.code == 0, "\(run)")
            let report = try await h.report()
            let cut = try #require(report.cuts?.first)
            #expect(cut.status == "succeeded" && !cut.cached && cut.plannedSeconds == 15, "\(cut)")
            let output = try #require(cut.output)
            #expect(output.path == "cuts/reel.mp4" && output.width == 1280 && output.height == 720 && output.fps == 24)
            // a 4 s + b 4 s + c 4 s + d trimmed to 4 s, less the 1 s fade.
            #expect(abs(output.duration - 15) <= 1.0 / 24, "\(output)")
            #expect(cut.clips.map(\.sha256) == ["a", "b", "c", "d"].map { report.job($0)?.output?.sha256 })
            let file = h.out + "/" + output.path
            #expect(try Tools.sha256(file) == output.sha256)
            let probed = try await Tools.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,sample_rate,channels", "-of", "csv=p=0", file])
            #expect(probed.output.contains("audio,48000,2"), "silence is added where a clip has no sound: \(probed.output)")

            let (a, b, c, d) = (
                try await Self.halves(h.out + "/clips/a.mp4", seconds: 4), try await Self.halves(h.out + "/clips/b.mp4", seconds: 4),
                try await Self.halves(h.out + "/clips/c.mp4", seconds: 4), try await Self.halves(h.out + "/clips/d.mp4", seconds: 8))
            try #require(Tools.distance(a.second, b.first) > 40 && Tools.distance(b.second, c.first) > 40 && Tools.distance(d.first, d.second) > 40,
                         "the emulator's colours are too alike to tell the clips apart")
            // The hard cut at 4 s: a's last frame before it, b's first after it.
            #expect(Self.close(try await Self.colour(file, at: 3.92), a.second))
            #expect(Self.close(try await Self.colour(file, at: 4.05), b.first))
            // The fade from 7 s to 8 s: its middle is half b, half c.
            let middle = try await Self.colour(file, at: 7.5)
            let blend = zip(b.second, c.first).map { ($0 + $1) / 2 }
            #expect(Self.close(middle, blend, within: 30), "fade middle \(middle), expected about \(blend)")
            #expect(!Self.close(middle, b.second) && !Self.close(middle, c.first))
            #expect(Self.close(try await Self.colour(file, at: 8.6), c.first))
            // d starts at 11 s at its in point (2 s): its colour changes at its 4 s, i.e. 13 s in the cut.
            #expect(Self.close(try await Self.colour(file, at: 11.05), d.first))
            #expect(Self.close(try await Self.colour(file, at: 12.9), d.first))
            #expect(Self.close(try await Self.colour(file, at: 13.1), d.second))
        }
    }

    @Test func aReRunEncodesNothingAndAnEditReCutsOnlyTheCutsThatUseTheShot() async throws {
        try await Harness.with { h in
            let manifest = manifestYAML("""
                  - {id: a, prompt: E2E recut a}
                  - {id: b, prompt: E2E recut b}
                  - {id: c, prompt: E2E recut c}
                cuts:
                  - {id: ab, clips: [a, b]}
                  - {id: ac, clips: [a, c]}
                """)
            try h.writeManifest(manifest)
            #expect(try await h.run().code == 0)
            let first = try #require(try await h.report().cuts)
            #expect(first.allSatisfy { $0.status == "succeeded" && !$0.cached && $0.encodeSeconds != nil })
            let abPath = h.out + "/cuts/ab.mp4"
            let inode = try FileManager.default.attributesOfItem(atPath: abPath)[.systemFileNumber] as? Int

            let again = try await h.run()
            #expect(again.code == 0 && !again.stdout.contains("cutting"), "\(again)")
            let second = try #require(try await h.report().cuts)
            #expect(second.allSatisfy { $0.cached && $0.encodeSeconds == nil }, "\(second)")
            #expect(second.map(\.output?.sha256) == first.map(\.output?.sha256))
            #expect(try FileManager.default.attributesOfItem(atPath: abPath)[.systemFileNumber] as? Int == inode, "the cut file was left alone")

            // `plan` reads the same from the folder: both cuts cached, nothing to do.
            let planArguments = ["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL, "--detailed-exitcode"]
            let plan = try await h.cli(planArguments, environment: Harness.environment(key: h.key))
            #expect(plan.code == 0 && plan.stdout.contains("; 2 cuts (2 cached)"), "\(plan)")

            let createsBefore = await h.record().createdPrompts.count
            try h.writeManifest(manifest.replacingOccurrences(of: "E2E recut c", with: "E2E recut c at night"))
            let edited = try await h.cli(planArguments, environment: Harness.environment(key: h.key))
            #expect(edited.code == 2 && edited.stdout.contains("; 2 cuts (1 cached)"), "\(edited)")
            #expect(try await h.run().code == 0)
            #expect(await h.record().createdPrompts.count == createsBefore + 1, "only the edited shot is rendered again")
            let third = try #require(try await h.report().cuts)
            #expect(third.first { $0.id == "ab" }?.cached == true)
            #expect(third.first { $0.id == "ac" }?.cached == false)
            #expect(third.first { $0.id == "ac" }?.output?.sha256 != first.first { $0.id == "ac" }?.output?.sha256)
        }
    }

    @Test func aCutWhoseClipFailedIsSkippedAndOnlyACutRendersWhatItNeeds() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["DOOMED"]
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML("""
                  - {id: a, prompt: E2E only a}
                  - {id: b, prompt: E2E only b}
                  - {id: bad, prompt: E2E DOOMED}
                  - {id: other, prompt: E2E only other}
                cuts:
                  - {id: good, clips: [a, b]}
                  - {id: broken, clips: [a, bad]}
                """))
            let only = try await h.run(["--only", "good"])
            #expect(only.code == 0, "\(only)")
            #expect(Set(await h.record().createdPrompts) == ["E2E only a", "E2E only b"])
            let selected = try #require(try await h.report().cuts)
            #expect(selected.map(\.status) == ["succeeded", "skipped"])
            #expect(selected[1].skippedBecause == "not selected by --only")

            let junit = h.directory + "/junit.xml"
            let summary = h.directory + "/summary.md"
            let all = try await h.cli(
                h.runArguments(["--junit", junit]), environment: Harness.environment(key: h.key, extra: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]))
            #expect(all.code == 1, "\(all)")
            // CI sees the cuts as test cases and in the summary.
            let suite = try #require(try await CIOutputTests.read(junit).suites.first)
            let cases = Dictionary(uniqueKeysWithValues: suite.cases.map { ($0.name, $0) })
            #expect(suite.tests == 6 && cases["cut good"]?.result == [] && cases["cut good"]?.classname == "e2e.cuts", "\(suite)")
            #expect(cases["cut broken"]?.result == ["skipped"] && cases["cut good"]?.system_out?.contains("/cuts/good.mp4]]") == true)
            let text = try String(contentsOfFile: summary, encoding: .utf8)
            #expect(text.contains("| broken | skipped | 8.00 | its clip 'bad' failed |"), "\(text)")
            let cuts = try #require(try await h.report().cuts)
            #expect(cuts[0].status == "succeeded" && cuts[0].cached)
            #expect(cuts[1].status == "skipped" && cuts[1].skippedBecause == "its clip 'bad' failed", "\(cuts[1])")
            #expect(!FileManager.default.fileExists(atPath: h.out + "/cuts/broken.mp4"))
            #expect(all.stdout.contains("cut broken") && all.stdout.contains("its clip 'bad' failed"), "\(all)")

            let unknown = try await h.run(["--only", "goood"])
            #expect(unknown.code == 64 && unknown.stderr.contains("did you mean 'good'"), "\(unknown)")
        }
    }

    /// An `ffmpeg` first in PATH that runs the real one, except for a cut's encode (the only call
    /// with -filter_complex), which it turns into `behaviour`.
    static func wrappedFFmpeg(in directory: String, behaviour: String) throws -> [String: String] {
        let bin = directory + "/wrapped-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let real = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let script = """
            #!/bin/sh
            for a in "$@"; do
              if [ "$a" = "-filter_complex" ]; then \(behaviour); fi
            done
            PATH="\(real)" exec ffmpeg "$@"
            """
        try script.write(toFile: bin + "/ffmpeg", atomically: true, encoding: .utf8)
        chmod(bin + "/ffmpeg", 0o755)
        return ["PATH": bin + ":" + real]
    }

    @Test func aKilledCutLeavesNoPartialFileAndAFailedEncodeIsAClearError() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("""
                  - {id: a, prompt: E2E kill a}
                  - {id: b, prompt: E2E kill b}
                cuts:
                  - {id: reel, clips: [a, {shot: b, transition: fade}]}
                """))
            // The encode writes a little and then hangs; the run is killed with SIGKILL meanwhile.
            let pidFile = h.directory + "/hanging-ffmpeg.pid"
            let hang = try Self.wrappedFFmpeg(
                in: h.directory, behaviour: "for o in \"$@\"; do :; done; echo partial > \"$o\"; echo $$ > '\(pidFile)'; exec sleep 600")
            let process = try CLIProcess(arguments: h.runArguments(), environment: Harness.environment(key: h.key, extra: hang), directory: h.directory)
            let cutting = await eventually(timeout: 60) {
                (try? String(contentsOfFile: process.stdoutPath, encoding: .utf8))?.contains("cutting reel") == true
            }
            #expect(cutting)
            try await Task.sleep(for: .milliseconds(300))
            process.signal(SIGKILL)
            _ = await process.wait()
            let cuts = (try? FileManager.default.contentsOfDirectory(atPath: h.out + "/cuts")) ?? []
            #expect(!cuts.contains("reel.mp4"), "\(cuts)")
            #expect(cuts.allSatisfy { $0.hasSuffix(".part") }, "\(cuts)")
            if let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
                kill(pid, SIGKILL)
            }

            // An encode that fails: the cut fails with ffmpeg's words, the run exits 1, nothing is left.
            let broken = try Self.wrappedFFmpeg(in: h.directory, behaviour: "echo 'Invalid data found when processing input' >&2; exit 1")
            let failed = try await CLIProcess(arguments: h.runArguments(), environment: Harness.environment(key: h.key, extra: broken), directory: h.directory).wait()
            #expect(failed.code == 1, "\(failed)")
            let report = try await h.report()
            #expect(report.status == "failed")
            #expect(report.cuts?.first?.error?.contains("Invalid data found when processing input") == true, "\(String(describing: report.cuts))")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: h.out + "/cuts")) ?? []).isEmpty)

            // The next plain run makes the cut; the clips come from the cache.
            let creates = await h.record().createdPrompts.count
            let fine = try await h.run()
            #expect(fine.code == 0, "\(fine)")
            #expect(await h.record().createdPrompts.count == creates)
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cuts") == ["reel.mp4"])
        }
    }

    @Test func withoutFFmpegARunStopsBeforeAnythingIsPaidAndSaysHowToInstallIt() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E no ffmpeg}"))
            let empty = h.directory + "/empty-bin"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            let result = try await CLIProcess(
                arguments: h.runArguments(), environment: Harness.environment(key: h.key, extra: ["PATH": empty]), directory: h.directory
            ).wait()
            #expect(result.code == 1, "\(result)")
            #expect(result.stderr.contains("ffmpeg is needed to check clips, extract frames and make cuts, and it was not found on PATH; install it (Debian/Ubuntu: apt-get install -y ffmpeg)"), "\(result)")
            #expect(await h.record().creates.isEmpty)
        }
    }

    @Test func gcKeepsTheCurrentCutAndPrunesEarlierOnes() async throws {
        try await Harness.with { h in
            let manifest = manifestYAML("  - {id: a, prompt: E2E gc a}\n  - {id: b, prompt: E2E gc b}\ncuts:\n  - {id: ab, clips: [a, b]}")
            try h.writeManifest(manifest)
            #expect(try await h.run().code == 0)
            let old = try #require(try await h.report().cuts?.first?.output?.sha256)
            try h.writeManifest(manifest.replacingOccurrences(of: "E2E gc b", with: "E2E gc b again"))
            #expect(try await h.run().code == 0)
            let current = try #require(try await h.report().cuts?.first?.output?.sha256)
            #expect(current != old)
            let gc = try await h.cli(["gc", h.out], environment: Harness.environment(key: nil))
            #expect(gc.code == 0, "\(gc)")
            let objects = Set(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/cas"))
            #expect(objects.contains(current) && !objects.contains(old))
            let records = try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/cuts")
            #expect(records.count == 1, "\(records)")
            // The kept cut is still taken from the store.
            #expect(try await h.run().code == 0)
            #expect(try await h.report().cuts?.first?.cached == true)
        }
    }
}
