import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// Under the accelerated strategy (`ManifestLoader`'s default), large manifests take other paths
/// than small ones: the file is parsed and decoded in two parts on two threads
/// (`LoadStrategy.splitParseMinBytes`), and the planner works in two halves on two threads
/// (`LoadStrategy.parallelPlanMinShots`). Each test loads a file both ways and checks the
/// accelerated result against the plain one, or checks errors in either part.
@Suite("Large manifests")
struct LargeManifestTests {
    /// A manifest of `shots` shots that exercises every kind of field: variants, takes, vars,
    /// an anchor merged into shots, references to files, first/last frames from earlier shots,
    /// `after`, quoted prompts, matrices (crossed with variants, and alone, in flow and block style). `broken` adds an error every 97th shot (unknown key, bad seconds,
    /// unknown frame shot, undefined variable).
    static func manifest(shots: Int, broken: Bool = false) -> String {
        var lines = [
            "version: 1", "name: large", "defaults:", "  model: veo-3.1-fast-generate-preview", "  seconds: 6",
            "vars:", "  style: cinematic, golden hour", "x-long: &long", "  seconds: 8", "  model: veo-3.1-generate-preview",
            "shots:",
        ]
        for i in 0..<shots {
            lines.append("  - id: shot-\(i)")
            lines.append(i % 2 == 0 ? "    prompt: \"A lion walks, take \(i), ${style}\"" : "    prompt: A heron waits \(i)")
            let framed = i % 7 == 3 && i > 10
            if i % 5 == 1 && !framed { lines.append("    references: [assets/lion.jpg, assets/style-board.png]") }
            if framed {
                var target = i - 5
                while target % 4 == 2 { target -= 1 }  // a shot without variants
                lines.append("    first_frame: {shot: shot-\(target), frame: last}")
                lines.append("    last_frame: assets/closeup-start.jpg")
            }
            if i % 11 == 4 && i > 20 { lines.append("    after: [shot-\(i - 20)]") }
            if i % 13 == 6 { lines.append("    <<: *long") }
            if i % 4 == 2 && !framed {
                lines.append("    takes: 2")
                lines.append("    variants:")
                lines.append("      - id: draft")
                lines.append("      - id: final")
                lines.append("        size: 1920x1080")
                lines.append("        seconds: 8")
                if i % 8 == 2 { lines.append("    matrix: {model: [veo-3.1-fast-generate-preview, {id: pro, value: veo-3.1-generate-preview}]}") }
            } else if i % 9 == 5 && i % 7 != 4 && i % 7 != 5 && !framed && i % 5 != 1 {
                // Never a frame's target (i - 5 or i - 6 of a framed shot i, so 5 or 4 modulo 7), which
                // must have no variants; no references (portrait sizes would warn about them).
                lines += ["    matrix:", "      prompt:", "        - A lion \(i) at dawn", "        - A lion \(i) at dusk", "      size: [1280x720, 720x1280]"]
            }
            if broken && i % 97 == 50 {
                switch (i / 97) % 4 {
                case 0: lines.append("    colour: red")
                case 1: lines.append("    seconds: 5")
                case 2: lines.append("    after: [nowhere-\(i)]")
                default: lines.append("    prompt2: x")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The reference: the plain strategy (one load on this thread, one decode, planning in one pass).
    static func reference(_ path: String) -> ManifestLoadResult {
        ManifestLoader.load(file: path, strategy: .plain)
    }

    static func summary(_ plan: Plan?) -> [String] {
        (plan?.jobs ?? []).map { job in
            "\(job.id) \(job.request.model.rawValue) \(job.request.size.rawValue) \(job.request.seconds.rawValue) \(job.request.prompt) "
                + "[\(job.request.inputs.map { "\($0.role.rawValue)=\($0.source.summary)" }.joined(separator: ","))] "
                + "<\(job.dependencies.joined(separator: ","))> \(job.position)"
        }
    }

    @Test func validManifestPlansTheSameAsTheOneThreadPath() throws {
        let dir = TempDir()
        dir.copyPipelineAssets()
        let text = Self.manifest(shots: 3000)
        #expect(text.utf8.count > LoadStrategy.splitParseMinBytes)
        #expect(3000 >= LoadStrategy.parallelPlanMinShots)
        let path = dir.write("large.yaml", text)
        let result = ManifestLoader.load(file: path, strategy: .accelerated)
        let reference = Self.reference(path)
        #expect(result.isValid, "\(result.diagnostics.prefix(3).map(\.description))")
        let plan = try #require(result.plan)
        #expect(plan.jobs.count > 4000)
        #expect(Self.summary(plan) == Self.summary(reference.plan))
        #expect(result.diagnostics == reference.diagnostics)
        // The plan's index agrees with its jobs.
        for job in plan.jobs.prefix(50) { #expect(plan.job(job.id)?.id == job.id) }
    }

    @Test func errorsAreTheSameAsOnTheOneThreadPath() throws {
        let dir = TempDir()
        dir.copyPipelineAssets()
        let path = dir.write("large.yaml", Self.manifest(shots: 3000, broken: true))
        let result = ManifestLoader.load(file: path, strategy: .accelerated)
        let reference = Self.reference(path)
        #expect(!result.isValid)
        #expect(result.diagnostics.filter { $0.severity == .error }.count >= 30)
        #expect(result.diagnostics == reference.diagnostics)
    }

    /// Shots with errors give no jobs, which leaves gaps in the parallel planner's job array; a
    /// cycle in the second half is then reported from the closed-up array, as in one pass.
    @Test func cycleAfterErrorsIsReportedAsOnTheOneThreadPath() throws {
        let dir = TempDir()
        dir.copyPipelineAssets()
        var text = Self.manifest(shots: 3000, broken: true)
        text = text.replacingOccurrences(of: "  - id: shot-2502\n", with: "  - id: shot-2502\n    after: [shot-2503]\n")
        text = text.replacingOccurrences(of: "  - id: shot-2503\n", with: "  - id: shot-2503\n    after: [shot-2502]\n")
        // An undefined variable: shot-100 (first half) gives no jobs at all.
        text = text.replacingOccurrences(of: "take 100, ${style}", with: "take 100, ${nope}")
        let path = dir.write("large.yaml", text)
        let result = ManifestLoader.load(file: path, strategy: .accelerated)
        let reference = Self.reference(path)
        #expect(result.diagnostics.contains { $0.message.contains("cycle") })
        #expect(result.diagnostics.contains { $0.message.contains("nope") })
        #expect(result.diagnostics.filter { $0.severity == .error }.count >= 30)
        #expect(result.diagnostics == reference.diagnostics)
    }

    /// Anchors defined inside shots, merged or aliased by later shots, in a small file and a large
    /// one (the cut then falls between definition and use and is refused, or after both).
    @Test func anchorsDefinedInsideShotsOutliveTheShot() throws {
        let dir = TempDir()
        dir.copyPipelineAssets()
        for shots in [12, 3000] {
            var text = Self.manifest(shots: shots)
            text = text.replacingOccurrences(
                of: "  - id: shot-3\n", with: "  - id: shot-3\n    references: &refs [assets/lion.jpg]\n    <<: &slow {seconds: 8}\n")
            text = text.replacingOccurrences(of: "  - id: shot-9\n", with: "  - id: shot-9\n    <<: *slow\n    references: *refs\n")
            let path = dir.write("anchors-\(shots).yaml", text)
            let result = ManifestLoader.load(file: path, strategy: .accelerated)
            let reference = Self.reference(path)
            #expect(result.isValid, "\(result.diagnostics.prefix(3).map(\.description))")
            #expect(Self.summary(result.plan) == Self.summary(reference.plan))
            let job = try #require(result.plan?.job("shot-9"))
            #expect(job.request.seconds == .eight)
            #expect(job.request.inputs.count == 1)
        }
    }

    /// The parallel planner indexes each half on its own thread: duplicate ids within a half and
    /// across the halves are reported as in one pass.
    @Test func duplicateIdsWithinAndAcrossTheHalves() throws {
        let dir = TempDir()
        dir.copyPipelineAssets()
        var text = Self.manifest(shots: 3000)
        for (from, to) in [
            ("shot-2500", "shot-10"), ("shot-2800", "shot-10"), ("shot-20", "shot-30"), ("shot-2600", "shot-2700"), ("shot-2900", "shot-1499"),
        ] {
            text = text.replacingOccurrences(of: "  - id: \(from)\n", with: "  - id: \(to)\n")
        }
        let path = dir.write("large.yaml", text)
        let result = ManifestLoader.load(file: path, strategy: .accelerated)
        let reference = Self.reference(path)
        let duplicates = result.diagnostics.filter { $0.message.hasPrefix("duplicate shot id") }
        #expect(duplicates.map(\.message).sorted() == [
            "duplicate shot id 'shot-10'", "duplicate shot id 'shot-10'", "duplicate shot id 'shot-1499'", "duplicate shot id 'shot-2700'",
            "duplicate shot id 'shot-30'",
        ])
        #expect(result.diagnostics == reference.diagnostics)
    }

    @Test func syntaxErrorNearTheEndOfALargeFile() throws {
        let dir = TempDir()
        dir.copyPipelineAssets()
        let text = Self.manifest(shots: 3000) + "  - id: last\n    prompt: [unclosed\n"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        let result = ManifestLoader.load(file: dir.write("large.yaml", text))
        let error = try #require(result.diagnostics.first)
        #expect(result.diagnostics.count == 1)
        #expect(error.message.hasPrefix("YAML syntax error"))
        #expect(error.location!.position.line >= lines - 1)
    }

    /// A builder error early in a large file stops part one at once, and part two with it; the plain
    /// load then reports the error.
    @Test func duplicateKeyEarlyInALargeFile() throws {
        let dir = TempDir()
        var text = Self.manifest(shots: 3000)
        text = text.replacingOccurrences(of: "  - id: shot-3\n", with: "  - id: shot-3\n    id: again\n")
        let result = ManifestLoader.load(file: dir.write("large.yaml", text))
        let error = try #require(result.diagnostics.first)
        #expect(result.diagnostics.count == 1)
        #expect(error.message == "duplicate key 'id' in this mapping")
        #expect(error.notes.first?.location?.position.line == error.location!.position.line - 1)
    }

    /// Shots whose list comes through an alias are not split: the plain path decodes them.
    @Test func shotsFromAnAliasAreDecodedAfterLoading() throws {
        let dir = TempDir()
        let items = (0..<6000).map { "  - {id: shot-\($0), prompt: \"a prompt for shot \($0)\"}" }.joined(separator: "\n")
        let text = "version: 1\nx-list: &all\n\(items)\nshots: *all\n"
        #expect(text.utf8.count > LoadStrategy.splitParseMinBytes)
        let result = ManifestLoader.load(file: dir.write("alias.yaml", text))
        #expect(result.isValid, "\(result.diagnostics.prefix(3))")
        #expect(result.plan?.jobs.count == 6000)
        #expect(result.plan?.jobs.last?.request.prompt == "a prompt for shot 5999")
    }
}
