import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator
import VeoReport

/// Keys, usage errors, exit codes, --emulate.
@Suite struct CLITests {
    static let two = manifestYAML(name: "cli", """
          - id: one
            prompt: E2E cli one
            references: [assets/lion.jpg]
          - id: two
            prompt: E2E cli two
          - id: three
            prompt: E2E cli three
          - id: four
            prompt: E2E cli four
        """)

    @Test func wrongKeyFailsFastNamingVEO_API_KEY() async throws {
        try await Harness.with(apiKey: "right") { h in
            try h.writeManifest(Self.two)
            let started = Date()
            let result = try await h.run(["--concurrency", "1"], key: "wrong")
            let elapsed = Date().timeIntervalSince(started)
            #expect(result.code != 0, "\(result)")
            #expect(result.stderr.contains("VEO_API_KEY"), "\(result)")
            let record = await h.record()
            #expect(record.createCount == 0)
            // Fails fast: no retries of a 401, and not one refused request per job.
            #expect(record.requests.count <= 2, "\(record.requests.count) requests: \(record.requests.map { "\($0.method) \($0.path) \($0.status ?? 0)" })")
            #expect(elapsed < 15)
            // The first refusal stops the run: the other jobs are not tried.
            let report = try await h.report()
            #expect(report.status == "failed")
            #expect(report.summary.failed == 1 && report.summary.skipped == 3, "\(report.summary)")
            #expect(report.job("one")?.error?.code == "unauthorized")
            #expect(report.job("one")?.error?.providerCode == "invalid_api_key")
        }
    }

    @Test func theKeyNeverAppearsInOutputsOrFiles() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["four"]
        faults.pollServerErrors = 1
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(Self.two)
            var outputs: [CLIResult] = []
            outputs.append(try await h.run(["--verbose"]))
            try await Schema.validate(h.reportPath)
            outputs.append(try await h.run())
            try await Schema.validate(h.reportPath)
            outputs.append(try await h.run(["--quiet"]))
            try await Schema.validate(h.reportPath)
            #expect(outputs[0].code == 1, "\(outputs[0])")  // 'four' fails on purpose
            #expect(await h.record().createCount >= 3)
            let secret = Data(Harness.defaultKey.utf8)
            for output in outputs {
                #expect(!output.stdout.contains(Harness.defaultKey))
                #expect(!output.stderr.contains(Harness.defaultKey))
                #expect(!output.stderr.contains("SECRET"))
            }
            let files = try FileManager.default.subpathsOfDirectory(atPath: h.out)
            #expect(files.contains("report.json") && files.contains("journal.jsonl"))
            for file in files {
                let path = h.out + "/" + file
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(data.range(of: secret) == nil, "the key is in \(file)")
                #expect(data.range(of: Data("SECRET-1234".utf8)) == nil, "part of the key is in \(file)")
            }
            // Nothing was written beside the out dir (besides the manifest and assets).
            let top = Set(try FileManager.default.contentsOfDirectory(atPath: h.directory))
            #expect(top == ["assets", "shots.yaml", "out"], "\(top)")
        }
    }

    @Test func usageErrorsExit64() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.two)
            let env = Harness.environment(key: h.key)
            let cases: [[String]] = [
                h.runArguments(["--concurrency", "0"]),
                h.runArguments(["--concurrency", "many"]),
                h.runArguments(["--poll-interval", "-1"]),
                h.runArguments(["--job-timeout", "0"]),
                h.runArguments(["--requests-per-minute", "0"]),
                h.runArguments(["--only", "nosuchshot"]),
                h.runArguments(["--no-such-flag"]),
                ["run", h.manifest, "--base-url", "ftp://example.com", "--out", h.out],
                ["run", h.manifest, "--emulate", "--base-url", h.baseURL, "--out", h.out],
                ["run"],
            ]
            for arguments in cases {
                let result = try await h.cli(arguments, environment: env)
                #expect(result.code == 64, "\(arguments.suffix(3)): \(result)")
                #expect(!result.stderr.isEmpty, "\(arguments)")
            }
            let only = try await h.cli(h.runArguments(["--only", "nosuchshot"]), environment: env)
            #expect(only.stderr.contains("nosuchshot"), "\(only)")
            #expect(await h.record().requests.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: h.reportPath))
        }
    }

    @Test func invalidManifestExits65() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "broken", """
                  - id: a
                    prompt: E2E a
                    seconds: 5
                  - id: b
                    prompt: E2E b
                    first_frame: {shot: nowhere, frame: last}
                """))
            let result = try await h.run()
            #expect(result.code == 65, "\(result)")
            #expect(result.stderr.contains("seconds"), "\(result)")
            #expect(await h.record().requests.isEmpty)

            try "version: 1\nname: [unclosed\n".write(toFile: h.manifest, atomically: true, encoding: .utf8)
            let yaml = try await h.run()
            #expect(yaml.code == 65, "\(yaml)")

            // A shot id that would name a path outside the out dir is refused.
            try h.writeManifest(manifestYAML(name: "escape", """
                  - id: ../../evil
                    prompt: E2E escape
                """))
            let escape = try await h.run()
            #expect(escape.code == 65, "\(escape)")
            #expect(!FileManager.default.fileExists(atPath: h.directory + "/evil.mp4"))

            let missing = try await h.cli(["run", h.directory + "/nope.yaml", "--base-url", h.baseURL, "--out", h.out],
                                          environment: Harness.environment(key: h.key))
            #expect(missing.code == 65 || missing.code == 64, "\(missing)")
            #expect(missing.code != 0)
            #expect(await h.record().requests.isEmpty)
        }
    }

    @Test func missingKeyIsAClearError() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.two)
            let result = try await h.cli(h.runArguments(), environment: Harness.environment(key: nil))
            #expect(result.code == 64, "\(result)")
            #expect(result.stderr.contains("VEO_API_KEY"), "\(result)")
            #expect(await h.record().requests.isEmpty)
            let blank = try await h.cli(h.runArguments(), environment: Harness.environment(key: "  "))
            #expect(blank.code == 64, "\(blank)")
            #expect(blank.stderr.contains("VEO_API_KEY"))
        }
    }

    @Test func emulateRendersTheDemoWithNoKey() async throws {
        let directory = NSTemporaryDirectory() + "veo-e2e-demo-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let out = directory + "/out"
        let result = try await CLIProcess(
            arguments: ["run", Package.root + "/pipelines/demo.yaml", "--emulate", "--out", out,
                        "--emulator-render-seconds", "0.3", "--poll-interval", "0.1"],
            environment: Harness.environment(key: nil), directory: directory
        ).wait()
        #expect(result.code == 0, "\(result)")
        try await Schema.validate(out + "/report.json")
        let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
        #expect(report.status == "succeeded")
        #expect(report.baseURL == nil)
        #expect(Set(report.jobs.map(\.id)) == ["savanna", "closeup", "bridge"])
        #expect(report.cuts?.map(\.id) == ["trailer"] && report.cuts?.first?.status == "succeeded", "\(String(describing: report.cuts))")
        for path in ["clips/savanna.mp4", "clips/closeup.mp4", "clips/bridge.mp4", "cuts/trailer.mp4"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + path), "\(path)")
        }
        // Nothing written outside --out.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out"])
    }
}
