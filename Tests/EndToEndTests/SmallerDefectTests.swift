import Foundation
import Testing
import VeoEmulator
import VeoRunner
import VeoViews

/// The smaller defects of issue 24: items 22 and 24.
@Suite struct SmallerDefectTests {
    @Test func runHelpListsEveryExitCodeTheCommandCanReturn() async throws {
        try await Harness.with { h in
            let help = try await h.cli(["run", "--help"], environment: Harness.environment(key: nil))
            #expect(help.code == 0, "\(help)")
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for fragment in ["status: 0 all jobs succeeded", "; 1 a job failed", "; 3 over budget", "; 64 usage error", "; 65 invalid manifest",
                             "; 73 the output folder cannot be created", "; 130 interrupted"] {
                #expect(text.contains(fragment), "'\(fragment)' not in: \(text)")
            }
        }
    }

    @Test func anOutFolderUnderAFileSaysTheFileIsInTheWay() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E a}"))
            let file = h.directory + "/afile"
            try "not a folder".write(toFile: file, atomically: true, encoding: .utf8)
            for out in [file, file + "/out", file + "/deeper/out"] {
                let result = try await h.cli(["run", h.manifest, "--base-url", h.baseURL, "--out", out], environment: Harness.environment(key: h.key))
                #expect(result.code == 73, "\(result)")
                #expect(result.stderr.contains("\(file) is a file, not a folder"), "\(result.stderr)")
            }
            #expect(await h.record().creates.isEmpty)
        }
    }

    @Test func aRunWithoutAKeyLeavesNoOutputFolder() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E a}"))
            let result = try await h.cli(h.runArguments(), environment: Harness.environment(key: nil))
            #expect(result.code == 64 && result.stderr.contains("VEO_API_KEY is not set"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: h.out), "an empty output folder was left behind")
        }
    }

    @Test func theFailureTableSaysAProviderCodeOnlyWhenItAddsSomething() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["E2E doomed"]
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML("  - {id: doomed, prompt: E2E doomed}"))
            let result = try await h.run()
            #expect(result.code == 1, "\(result)")
            let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("doomed ") }, "\(result)")
            #expect(row.contains("generation_failed: Generation failed"), "\(row)")
            #expect(!row.contains("generation_failed (generation_failed)"), "\(row)")
        }
    }

    @Test func theJUnitSuiteTimeIsTheRunsWallTimeNotTheSumOfItsJobs() throws {
        // Three jobs side by side: 30, 30 and 25 s of a 39 s run.
        let report = try ReportFixture.report(
            failedJobs: 3, cuts: 0, message: "m", started: "2026-11-30T00:00:00Z", finished: "2026-11-30T00:00:39Z", wallSeconds: [30, 30, 25])
        let xml = JUnitReport.xml(for: report, outDirectory: "out")
        #expect(xml.contains("<testsuite name=\"budget\" tests=\"3\" failures=\"3\" errors=\"0\" skipped=\"0\" time=\"39.000\""), "\(xml.prefix(400))")
        #expect(xml.contains("<testsuites name=\"veo-pipeline\" tests=\"3\" failures=\"3\" errors=\"0\" skipped=\"0\" time=\"39.000\">"))
        #expect(xml.contains("name=\"job0\" file=\"shots.yaml\" line=\"5\" time=\"30.000\""), "each case keeps its own time")
        #expect(!xml.contains("(provider: generation_failed)"), "the provider's code is not repeated when it is the same")
    }

    /// demo.sh with stand-ins for `swift` and the built tool: a build that goes quiet near the end
    /// is said to be still going, with an honest estimate first.
    @Test func theDemoSaysWhatHappensWhileTheBuildIsQuiet() async throws {
        let dir = NSTemporaryDirectory() + "veo-demo-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/scripts", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/stub/bin", withIntermediateDirectories: true)
        for script in ["demo.sh", "install-deps.sh"] {
            try fm.copyItem(atPath: Package.root + "/scripts/" + script, toPath: dir + "/scripts/" + script)
        }
        let swift = """
            #!/bin/sh
            if [ "$2" = "--show-bin-path" ]; then echo "\(dir)/stub/bin"; exit 0; fi
            echo "[1/100] Compiling VeoSupport"; echo "[97/100] Compiling veo-pipeline"; sleep 3; echo "Build complete!"
            """
        try swift.write(toFile: dir + "/stub/swift", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho \"tool $1\"\n".write(toFile: dir + "/stub/bin/veo-pipeline", atomically: true, encoding: .utf8)
        for file in ["/stub/swift", "/stub/bin/veo-pipeline"] { try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + file) }
        let path = dir + "/stub:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try await Tools.run("/usr/bin/env", ["PATH=\(path)", "DEMO_TICK_SECONDS=1", "bash", dir + "/scripts/demo.sh"])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("about 6 minutes"))
        #expect(result.output.contains("10 to 15 minutes on 2 cores"), "\(result.output)")
        #expect(result.output.contains("still building"), "the quiet part of the build says it is still going: \(result.output)")
        #expect(result.output.contains("tool run"), "the demo went on to run: \(result.output)")
    }
}
