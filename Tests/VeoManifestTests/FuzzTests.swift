import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// SplitMix64: a small, fast, seedable generator so every run sees the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and mutated YAML fed to loader → decoder → planner → renderers: never a crash or a hang,
/// and every diagnostic either has no place or a place inside the input.
@Suite("Fuzz")
struct FuzzTests {
    static let tokens: [String] = [
        "[", "]", "{", "}", "&a ", "*a", "&b", "*b", "!", "!!str ", "!!map", "|", ">", ":", ": ", "-", "- ", "\t", "<<: *a", "<<: [*a, *b]",
        "\"", "'", "\n", "\n  ", "#", "---\n", "...\n", "${", "${style}", "$${", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "@", "`", "?",
        "\u{FEFF}", "é", "☕︎", "\u{2028}", "\u{85}", "\r", "\r\n", "id: ", "shot: ", "frame: last", "variant: x", "take: 2", "after: [a]",
        "first_frame: {shot: savanna, frame: last}", "references: [assets/lion.jpg]", "seconds: 8", "size: 1920x1080", "takes: 20",
        "variants: [{id: a}, {id: a}]", "~", "null", "yes", "0x10", "1e3", ".inf", "https://", "ftp://x/y", "/etc", "..",
        "0", "-1", "99999999999999999999999",
    ]

    static let seedText: [UInt8] = {
        [UInt8](try! Data(contentsOf: URL(fileURLWithPath: Pipelines.tour)))
    }()

    static let demoText: [UInt8] = {
        [UInt8](try! Data(contentsOf: URL(fileURLWithPath: Pipelines.demo)))
    }()

    /// One input: a mutation of a pipeline, random tokens, or random bytes.
    static func input(_ rng: inout SeededGenerator) -> [UInt8] {
        var base = Bool.random(using: &rng) ? seedText : demoText
        switch Int.random(in: 0..<12, using: &rng) {
        case 0:  // truncation
            base = Array(base.prefix(Int.random(in: 0...base.count, using: &rng)))
        case 1:  // byte flips
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !base.isEmpty {
                base[Int.random(in: 0..<base.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
        case 2, 3, 4:  // inserted tokens
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let token = Array(tokens.randomElement(using: &rng)!.utf8)
                base.insert(contentsOf: token, at: Int.random(in: 0...base.count, using: &rng))
            }
        case 5:  // deleted range
            if !base.isEmpty {
                let start = Int.random(in: 0..<base.count, using: &rng)
                base.removeSubrange(start..<min(base.count, start + Int.random(in: 1...200, using: &rng)))
            }
        case 6:  // lines shuffled, duplicated or re-indented
            var lines = base.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            for _ in 0..<Int.random(in: 1...4, using: &rng) where lines.count > 1 {
                let i = Int.random(in: 0..<lines.count, using: &rng), j = Int.random(in: 0..<lines.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: lines.swapAt(i, j)
                case 1: lines.insert(lines[i], at: j)
                default: lines[i] = Array(repeating: Bool.random(using: &rng) ? 0x20 : 0x09, count: Int.random(in: 0...6, using: &rng)) + lines[i]
                }
            }
            base = Array(lines.joined(separator: [0x0A]))
        case 7:  // deep nesting
            let depth = Int.random(in: 1...600, using: &rng)
            let open = Bool.random(using: &rng) ? "[" : "{a: "
            let close = open == "[" ? "]" : "}"
            base = Array("version: 1\nshots: ".utf8) + Array(String(repeating: open, count: depth).utf8)
                + Array(String(repeating: close, count: Int.random(in: 0...depth, using: &rng)).utf8)
        case 8:  // alias bombs of random width and depth
            let width = Int.random(in: 2...12, using: &rng), depth = Int.random(in: 2...12, using: &rng)
            var text = "version: 1\nx-0: &a0 [\(Array(repeating: "x", count: width).joined(separator: ","))]\n"
            for d in 1..<depth {
                text += "x-\(d): &a\(d) [\(Array(repeating: "*a\(d - 1)", count: width).joined(separator: ","))]\n"
            }
            text += "shots:\n  - <<: *a\(depth - 1)\n    id: a\n    prompt: p\n"
            base = Array(text.utf8)
        case 9:  // random tokens
            base = []
            for _ in 0..<Int.random(in: 0...80, using: &rng) {
                base += Array(tokens.randomElement(using: &rng)!.utf8)
                if Bool.random(using: &rng) { base += Array(" abc".utf8) }
            }
        case 10:  // random bytes
            base = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:  // random printable ASCII with newlines
            base = (0..<Int.random(in: 0...400, using: &rng)).map { _ in
                Int.random(in: 0..<10, using: &rng) == 0 ? 0x0A : UInt8.random(in: 0x20...0x7E, using: &rng)
            }
        }
        return base
    }

    /// Lines of the input as libyaml sees them: \n, \r\n, \r, NEL, LS and PS all end a line.
    static func lineCount(_ bytes: [UInt8]) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = 1
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": if !previousCR { lines += 1 }
            case "\r", "\u{85}", "\u{2028}", "\u{2029}": lines += 1
            default: break
            }
            previousCR = scalar == "\r"
        }
        return lines
    }

    @Test func randomAndMutatedInputsNeverCrashOrHang() throws {
        var rng = SeededGenerator(seed: 0x5EED_2026)
        let images = ImageFileChecker()
        let file = Pipelines.tour  // so relative image paths resolve against pipelines/
        let loader = YAMLLoader()
        let clock = ContinuousClock()
        let start = clock.now
        var outcomes = (plans: 0, diagnostics: 0, yamlErrors: 0)
        var slowest: Duration = .zero
        let count = 4000
        for i in 0..<count {
            let bytes = Self.input(&rng)
            let began = clock.now
            var diagnostics: [Diagnostic] = []
            var plan: Plan?
            do {
                let document = try loader.load(bytes: bytes, file: file)
                let (manifest, decodeDiagnostics) = ManifestDecoder.decode(document)
                diagnostics = decodeDiagnostics
                if let manifest {
                    let planned = Planner.plan(manifest, images: images)
                    diagnostics += planned.diagnostics
                    // As ManifestLoader: no plan from a manifest with decode errors.
                    plan = decodeDiagnostics.contains { $0.severity == .error } ? nil : planned.plan
                    if let plan {
                        _ = PlanRenderer(plan: plan).table()
                        _ = PlanRenderer(plan: plan).dot()
                        _ = PlanRenderer(plan: plan).json()
                    }
                }
            } catch {
                outcomes.yamlErrors += 1
                diagnostics = [error.diagnostic]
            }
            slowest = max(slowest, clock.now - began)

            let hasErrors = diagnostics.contains { $0.severity == .error }
            // A plan exactly when there are no errors.
            #expect((plan != nil) == !hasErrors, "input \(i): \(diagnostics)")
            if let plan {
                outcomes.plans += 1
                var done = Set<String>()
                for job in plan.jobs {
                    #expect(job.dependencies.allSatisfy(done.contains), "input \(i): \(job.id) before its dependencies")
                    done.insert(job.id)
                }
                #expect(Set(plan.jobs.map(\.id)).count == plan.jobs.count, "input \(i): duplicate job ids")
            } else {
                outcomes.diagnostics += 1
                #expect(hasErrors, "input \(i): no plan and no error")
            }
            // Every place is inside the input.
            let lines = Self.lineCount(bytes)
            for d in diagnostics + diagnostics.flatMap(\.notes) {
                guard let location = d.location else { continue }
                #expect(location.file == file)
                #expect((1...lines).contains(location.position.line), "input \(i): \(d) outside \(lines) lines")
                #expect(location.position.column >= 1 && location.position.column <= bytes.count + 1, "input \(i): \(d)")
            }
            // Rendering never fails either, and never prints a raw control or bidirectional character.
            var sources = SourceTexts()
            sources.add(file: file, bytes: bytes)
            let rendered = DiagnosticRenderer(sources: sources, useColor: false).render(diagnostics)
            let unsafe = rendered.unicodeScalars.filter { $0 != "\n" && $0 != "\t" && DiagnosticText.needsEscape($0) }
            #expect(unsafe.isEmpty, "input \(i): \(rendered.debugDescription)")
            _ = DiagnosticRenderer.json(diagnostics, files: [file])
        }
        let elapsed = clock.now - start
        // Bounded: a hang or a blow-up shows here rather than as a stuck CI job.
        #expect(slowest < .seconds(2), "slowest input took \(slowest)")
        #expect(elapsed < .seconds(60), "fuzzing took \(elapsed)")
        // The generator exercises every outcome.
        #expect(outcomes.plans > 50, "\(outcomes)")
        #expect(outcomes.yamlErrors > 500, "\(outcomes)")
        #expect(outcomes.diagnostics - outcomes.yamlErrors > 200, "\(outcomes)")
    }

    @Test func generatorIsDeterministic() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        for _ in 0..<50 { #expect(Self.input(&a) == Self.input(&b)) }
    }

    /// Specific shapes that once were easy to get wrong.
    @Test(arguments: [
        "", "\n", "---", "...", "~", "[]", "{}", "- -", "? ", ": ", "&a *a", "*a", "!!binary x", "a: &a\n  b: *a",
        "version: 1\nshots: [{}]", "version: 1\nshots: [[]]", "version: 1\nshots: [~]", "version: 1\nshots:\n  - id:\n",
        "version: 1\nshots: [{id: a, prompt: p, variants: []}]", "version: 1\nshots: [{id: a, prompt: p, variants: [{}]}]",
        "version: 1\nshots: [{id: a, prompt: p, after: }]", "version: 1\nshots: [{id: a, prompt: p, first_frame: {}}]",
        "version: 1\nshots: [{id: a, prompt: p, first_frame: {shot: a, frame: last}, last_frame: {shot: a, frame: first}}]",
        "version: 1\nshots: [{id: a, prompt: '${', takes: 99999999999999999999999}]",
        "version: 1\nvars: [a]\ndefaults: [b]\nshots: [{? [x] : y}]",
    ])
    func awkwardInputs(text: String) {
        let dir = TempDir()
        let result = ManifestLoader.load(file: dir.write("x.yaml", text))
        #expect(!result.isValid)
        #expect(result.diagnostics.contains { $0.severity == .error })
        for d in result.diagnostics {
            #expect(d.location == nil || d.location!.position.line <= Self.lineCount(Array(text.utf8)), "\(d)")
        }
    }
}
