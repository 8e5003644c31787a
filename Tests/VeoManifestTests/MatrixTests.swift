import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// `matrix:` on a shot (issue 17): every combination becomes a variant with a readable, stable id;
/// each is checked like a written variant, at the matrix value that breaks a rule.
@Suite("Matrices")
struct MatrixTests {
    static let fast = VideoModel.fast.rawValue
    static let standard = VideoModel.standard.rawValue

    /// The plan of a manifest that must load without any diagnostic.
    func planOf(_ c: ManifestCase, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Plan {
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())", sourceLocation: sourceLocation)
        return try #require(c.result.plan, "\(c.describe())", sourceLocation: sourceLocation)
    }

    // MARK: - Expansion and ids

    @Test func everyCombinationIsAVariantInTheOrderTheAxesAreWritten() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: The lion roars
                size: 1920x1080
                seconds: 8
                matrix:
                  ⟨size⟩size: [⟨land⟩1280x720, ⟨port⟩720x1280]
                  model: [\(Self.fast), ⟨std⟩\(Self.standard)]
            """)
        let plan = try planOf(c)
        #expect(plan.jobs.map(\.id) == ["hero/1280x720-fast", "hero/1280x720-standard", "hero/720x1280-fast", "hero/720x1280-standard"])
        #expect(plan.jobs.map(\.variant) == ["1280x720-fast", "1280x720-standard", "720x1280-fast", "720x1280-standard"])
        // The matrix value overrides the shot's own size; the shot's other fields stay.
        #expect(plan.jobs.map(\.request.size) == [.landscape720, .landscape720, .portrait720, .portrait720])
        #expect(plan.jobs.map(\.request.model) == [.fast, .standard, .fast, .standard])
        #expect(plan.jobs.allSatisfy { $0.request.prompt == "The lion roars" && $0.request.seconds == .eight })
        // Each combination's fields are located at the list items that gave them.
        let shot = try #require(c.result.manifest?.shots.first)
        let cell = try #require(shot.variants.first { $0.id.value == "720x1280-standard" })
        #expect(cell.fields.size?.position == c["port"])
        #expect(cell.fields.model?.position == c["std"])
        #expect(shot.matrix?.axes.map(\.field) == ["size", "model"])
        #expect(shot.matrix?.axes.first?.position == c["size"])
        #expect(plan.matrices == [Plan.MatrixVariants(shot: "hero", axes: ["size", "model"], crossed: [], variants: plan.jobs.compactMap(\.variant))])

        // Written the other way round, the tokens come the other way round.
        let swapped = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: The lion roars
                matrix:
                  model: [\(Self.fast), \(Self.standard)]
                  size: [1280x720, 720x1280]
            """)
        #expect(try planOf(swapped).jobs.map(\.id) == ["hero/fast-1280x720", "hero/fast-720x1280", "hero/standard-1280x720", "hero/standard-720x1280"])
    }

    @Test func tokensOfEveryAxis() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: intro, prompt: Intro}
              - id: a
                prompt: p
                matrix:
                  seconds: [4, "8"]
                  prompt: [Lion roars, Lion sleeps]
              - id: b
                prompt: p
                matrix:
                  references: [assets/lion.jpg, [assets/lion.jpg, assets/style-board.png]]
              - id: c
                prompt: p
                last_frame: assets/closeup-start.jpg
                matrix:
                  first_frame: [assets/closeup-start.jpg, {shot: intro, frame: last}]
              - id: d
                prompt: p
                first_frame: assets/closeup-start.jpg
                matrix:
                  last_frame: [assets/lion.jpg]
            """)
        let plan = try planOf(c)
        #expect(plan.jobs.map(\.id) == [
            "intro", "a/4s-p1", "a/4s-p2", "a/8s-p1", "a/8s-p2", "b/ref1", "b/ref2", "c/first1", "c/first2", "d/last1",
        ])
        let a = try #require(plan.job("a/8s-p2"))
        #expect(a.request.seconds == .eight)
        #expect(a.request.prompt == "Lion sleeps")
        #expect(plan.job("b/ref1")?.request.inputs.map(\.source.summary) == ["assets/lion.jpg"])
        #expect(plan.job("b/ref2")?.request.inputs.map(\.source.summary) == ["assets/lion.jpg", "assets/style-board.png"])
        let framed = try #require(plan.job("c/first2"))
        #expect(framed.request.inputs.first?.source == .frame(job: "intro", frame: .last))
        #expect(framed.request.inputs.map(\.role) == [.firstFrame, .lastFrame])
        #expect(framed.dependencies == ["intro"])
        #expect(plan.job("c/first1")?.dependencies == [])
        #expect(plan.job("d/last1")?.request.inputs.map(\.source.summary) == ["assets/closeup-start.jpg", "assets/lion.jpg"])
    }

    @Test func namedValuesGiveTheirOwnToken() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                matrix:
                  size: [{id: wide, value: 1280x720}, {id: tall, value: ⟨tall⟩720x1280}]
                  prompt: [{id: calm, value: The lion sleeps}, The lion roars]
            """)
        let plan = try planOf(c)
        #expect(plan.jobs.map(\.id) == ["hero/wide-calm", "hero/wide-p2", "hero/tall-calm", "hero/tall-p2"])
        #expect(plan.job("hero/tall-calm")?.request.size == .portrait720)
        #expect(plan.job("hero/tall-calm")?.request.prompt == "The lion sleeps")
        #expect(plan.job("hero/wide-p2")?.request.prompt == "The lion roars")
        // The value's position is the `value` node's.
        let cell = try #require(c.result.manifest?.shots.first?.variants.first { $0.id.value == "tall-p2" })
        #expect(cell.fields.size?.position == c["tall"])
    }

    @Test func writtenVariantsAreCrossedWithEveryCombination() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: The lion roars
                takes: 2
                matrix:
                  size: [1280x720, 720x1280]
                variants:
                  - id: dusk
                    prompt: The lion roars at dusk
                  - id: dawn
                    model: \(Self.standard)
            """)
        let plan = try planOf(c)
        #expect(plan.jobs.map(\.id) == [
            "hero/dusk-1280x720", "hero/dusk-1280x720#2", "hero/dusk-720x1280", "hero/dusk-720x1280#2",
            "hero/dawn-1280x720", "hero/dawn-1280x720#2", "hero/dawn-720x1280", "hero/dawn-720x1280#2",
        ])
        #expect(plan.job("hero/dusk") == nil)
        let dusk = try #require(plan.job("hero/dusk-720x1280#2"))
        #expect(dusk.request.prompt == "The lion roars at dusk")
        #expect(dusk.request.size == .portrait720)
        #expect(dusk.request.model == .fast)
        let dawn = try #require(plan.job("hero/dawn-1280x720"))
        #expect(dawn.request.prompt == "The lion roars")
        #expect(dawn.request.model == .standard)
        #expect(plan.matrices.first?.crossed == ["dusk", "dawn"])
        #expect(plan.matrices.first?.variants == ["dusk-1280x720", "dusk-720x1280", "dawn-1280x720", "dawn-720x1280"])
    }

    /// Appending a value to an axis adds variants and leaves every existing one as it was.
    @Test func idsAreStableWhenAnAxisGainsAValueAtItsEnd() throws {
        func manifest(prompts: [String], sizes: [String]) -> String {
            """
            version: 1
            shots:
              - id: hero
                matrix:
                  prompt: [\(prompts.joined(separator: ", "))]
                  size: [\(sizes.joined(separator: ", "))]
                  model: [\(Self.fast)]
            """
        }
        let before = try planOf(ManifestCase(manifest(prompts: ["Lion roars", "Lion sleeps"], sizes: ["1280x720"])))
        let after = try planOf(ManifestCase(manifest(prompts: ["Lion roars", "Lion sleeps", "Lion hunts"], sizes: ["1280x720", "720x1280"])))
        #expect(before.jobs.map(\.id) == ["hero/p1-1280x720-fast", "hero/p2-1280x720-fast"])
        #expect(after.jobs.count == 6)
        for job in before.jobs {
            #expect(after.job(job.id)?.request == job.request, "\(job.id)")
        }
        #expect(after.job("hero/p3-720x1280-fast")?.request.prompt == "Lion hunts")
    }

    // MARK: - Addressing combinations

    @Test func frameReferencesAddressACombination() throws {
        let text = """
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  size: [1280x720, 720x1280]
                  model: [\(Self.fast), \(Self.standard)]
              - id: epi
                prompt: q
                size: 720x1280
                first_frame: ⟨ref⟩{shot: hero, variant: ⟨v⟩VARIANT, frame: last}
            """
        let good = ManifestCase(text.replacingOccurrences(of: "VARIANT", with: "720x1280-fast"))
        let epi = try #require(try planOf(good).job("epi"))
        #expect(epi.dependencies == ["hero/720x1280-fast"])
        #expect(epi.request.inputs.first?.source == .frame(job: "hero/720x1280-fast", frame: .last))

        let typo = ManifestCase(text.replacingOccurrences(of: "VARIANT", with: "720x1280-fsat"))
        expectDiagnostic(typo.singleError(), at: typo.location("v"),
                         contains: ["shot 'hero' has no variant '720x1280-fsat'", "did you mean '720x1280-fast'?"])
        let unnamed = ManifestCase(text.replacingOccurrences(of: "variant: ⟨v⟩VARIANT, ", with: ""))
        expectDiagnostic(unnamed.singleError(), at: unnamed.location("ref"), contains: ["shot 'hero' has variants", "720x1280-fast", "say which"])
    }

    // MARK: - Rules per combination, at the value

    @Test func aFullHDSizeValueWithTheShotsSecondsIsReportedAtTheValue() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: The lion roars
                seconds: ⟨sec⟩4
                matrix:
                  size: [1280x720, ⟨big⟩1920x1080]
                  model: [\(Self.fast), \(Self.standard)]
            """)
        #expect(c.errors.count == 2, "\(c.describe())")
        for (error, variant) in zip(c.errors, ["1920x1080-fast", "1920x1080-standard"]) {
            expectDiagnostic(error, at: c.location("big"),
                             contains: ["size 1920x1080 (1080p) needs 'seconds: 8'", "variant '\(variant)' of shot 'hero' has 4 seconds"])
            #expect(error.notes.map(\.location) == [c.location("sec")])
        }
        #expect(c.result.plan == nil)
    }

    @Test func aShortSecondsValueWithTheShotsFullHDSizeIsReportedAtTheValue() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: The lion roars
                size: ⟨size⟩1920x1080
                matrix:
                  seconds: [⟨four⟩4, 8]
            """)
        let error = c.singleError()
        expectDiagnostic(error, at: c.location("four"), contains: ["needs 'seconds: 8'", "variant '4s' of shot 'hero' has 4 seconds"])
        #expect(error?.notes.map(\.location) == [c.location("size")])
    }

    /// The same for a written variant: what the variant sets is what breaks the rule.
    @Test func aWrittenVariantsShortSecondsIsReportedAtTheVariant() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                size: ⟨size⟩1920x1080
                seconds: 8
                variants:
                  - id: short
                    seconds: ⟨four⟩4
            """)
        let error = c.singleError()
        expectDiagnostic(error, at: c.location("four"), contains: ["needs 'seconds: 8'", "variant 'short' of shot 'hero' has 4 seconds"])
        #expect(error?.notes.map(\.location) == [c.location("size")])
    }

    @Test(arguments: [
        // A reference list value with the shot's first frame: at the value.
        ("    first_frame: assets/closeup-start.jpg\n    matrix:\n      references: [⟨at⟩assets/lion.jpg]\n",
         "'references' cannot be combined with 'first_frame'/'last_frame'"),
        // A first frame value with the shot's references: at the value too.
        ("    references: [assets/lion.jpg]\n    matrix:\n      first_frame: [⟨at⟩{shot: intro, frame: last}]\n",
         "'references' cannot be combined with 'first_frame'/'last_frame'"),
        ("    matrix:\n      last_frame: [⟨at⟩assets/lion.jpg]\n", "'last_frame' needs a 'first_frame'"),
        ("    matrix:\n      references: [assets/lion.jpg, ⟨at⟩assets/missing.jpg]\n", "image 'assets/missing.jpg' does not exist"),
        ("    matrix:\n      size: [1280x720, ⟨at⟩1280x721]\n", "unknown size '1280x721'"),
        ("    matrix:\n      model: [⟨at⟩veo-3.1-fast]\n", "unknown model 'veo-3.1-fast'"),
        ("    matrix:\n      seconds: [4, ⟨at⟩5]\n", "'seconds' must be 4, 6 or 8"),
        ("    matrix:\n      prompt: [ok, ⟨at⟩\"\"]\n", "'prompt' is empty"),
        ("    matrix:\n      prompt: [ok, ⟨at⟩\"${nope}\"]\n", "undefined variable '${nope}'"),
        ("    matrix:\n      references: [⟨at⟩[assets/lion.jpg, assets/lion.jpg, assets/lion.jpg, assets/lion.jpg]]\n",
         "'references' takes 1 to 3 images, not 4"),
    ])
    func everyRuleIsCheckedPerCombinationAtTheValue(shotTail: String, message: String) {
        let c = ManifestCase("version: 1\nshots:\n  - {id: intro, prompt: Intro}\n  - id: hero\n    prompt: p\n" + shotTail)
        let matching = c.errors.filter { $0.message.contains(message) }
        #expect(matching.count == 1, "\(c.describe())")
        expectDiagnostic(matching.first, at: c.location("at"), contains: [message])
        #expect(c.result.plan == nil)
    }

    // MARK: - The matrix's own errors

    @Test func atMost256VariantsPerShot() throws {
        func manifest(prompts: Int, variants: Bool = false) -> ManifestCase {
            let list = (1...prompts).map { "P\($0)" }.joined(separator: ", ")
            let written = variants ? "    variants:\n      - id: a\n      - id: b\n" : ""
            return ManifestCase("version: 1\nshots:\n  - id: hero\n    matrix:\n      ⟨m⟩prompt: [\(list)]\n" + written)
        }
        #expect(try planOf(manifest(prompts: 256)).jobs.count == 256)
        let over = manifest(prompts: 257)
        expectDiagnostic(over.singleError(), at: over.location("m"),
                         contains: ["the matrix of shot 'hero' makes 257 variants (257 prompt)", "at most 256"])
        #expect(over.result.plan == nil)
        let crossed = manifest(prompts: 129, variants: true)
        expectDiagnostic(crossed.singleError(), at: crossed.location("m"), contains: ["makes 258 variants (2 variants × 129 prompt)"])
        #expect(try planOf(manifest(prompts: 128, variants: true)).jobs.count == 256)
    }

    /// A small file (a matrix behind an alias, say) may not expand to millions of jobs. Across the
    /// two parts of a split load, only the plain load can say where the limit is crossed.
    @Test func atMost10000VariantsFromTheMatricesOfOneManifest() throws {
        func manifest(matrixShots: Int) -> String {
            let prompts = (1...256).map { "P\($0)" }.joined(separator: ", ")
            let filler = String(repeating: "a lion walks through the savanna, ", count: 8)
            var text = "version: 1\nshots:\n"
            for i in 0..<1200 {
                text += "  - id: f\(i)\n    prompt: \(filler)\(i)\n"
                if i % 30 == 0 && i / 30 < matrixShots { text += "    matrix:\n      prompt: [\(prompts)]\n" }
            }
            return text
        }
        let dir = TempDir()
        let overText = manifest(matrixShots: 40)
        #expect(overText.utf8.count >= LoadStrategy.splitParseMinBytes)
        let over = dir.write("over.yaml", overText)
        let plain = ManifestLoader.load(file: over, strategy: .plain)
        let errors = plain.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1, "\(errors)")
        // The 40th matrix (shot f1170) would make 256 more after 39 × 256 = 9984.
        #expect(errors.first?.message.contains("the matrix of shot 'f1170' would make 256 more variants, after the 9984") == true)
        #expect(errors.first?.message.contains("at most 10000") == true)
        let idLine = try #require(overText.split(separator: "\n").firstIndex(of: "  - id: f1170")) + 1
        #expect(errors.first?.location?.position == Pos(line: idLine + 3, column: 7))
        #expect(ManifestLoader.load(file: over, strategy: .accelerated).diagnostics == plain.diagnostics)
        #expect(LoadStrategy.accelerated.decodeInParts(Array(overText.utf8), file: over, yaml: YAMLLoader()) == nil)

        let underText = manifest(matrixShots: 39)
        let under = dir.write("under.yaml", underText)
        #expect(LoadStrategy.accelerated.decodeInParts(Array(underText.utf8), file: under, yaml: YAMLLoader()) != nil)
        let loaded = ManifestLoader.load(file: under, strategy: .accelerated)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.prefix(3))")
        #expect(loaded.plan?.jobs.count == 1200 - 39 + 39 * 256)
    }

    @Test(arguments: [
        ("    matrix:\n      ⟨at⟩sise: [1280x720]\n", ["unknown matrix axis 'sise'", "did you mean 'size'?", "an axis is a job field: model, prompt"]),
        ("    matrix:\n      ⟨at⟩takes: [1, 2]\n", ["unknown matrix axis 'takes'"]),
        ("    matrix:\n      size: ⟨at⟩[]\n", ["matrix axis 'size' is empty"]),
        ("    matrix:\n      size: ⟨at⟩1280x720\n", ["matrix axis 'size' must be a list of values", "e.g. 'size: [1280x720, 720x1280]'", "but this is a scalar"]),
        ("    matrix:\n      seconds: ⟨at⟩{a: 4}\n", ["matrix axis 'seconds' must be a list of values", "but this is a mapping"]),
        ("    matrix: ⟨at⟩[size]\n", ["'matrix' must be a mapping of job fields to lists of values", "but this is a list"]),
        ("    matrix: ⟨at⟩{}\n", ["'matrix' must be a mapping", "but this is an empty mapping"]),
        ("    matrix:\n      size: [⟨at⟩{id: wide}]\n", ["a named matrix value needs 'value'"]),
        ("    matrix:\n      size: [{id: ⟨at⟩\"no good\", value: 1280x720}]\n", ["invalid matrix value id 'no good'"]),
        ("    matrix:\n      size: [{id: w, value: 1280x720, ⟨at⟩vaule: 1}]\n", ["unknown key 'vaule' in a named matrix value", "did you mean 'value'?"]),
        ("    ⟨at⟩matrx:\n      size: [1280x720]\n", ["unknown key 'matrx' in a shot", "did you mean 'matrix'?"]),
    ])
    func malformedMatrices(shotTail: String, fragments: [String]) {
        let c = ManifestCase("version: 1\nshots:\n  - id: hero\n    prompt: p\n" + shotTail)
        let error = c.errors.first { $0.message.contains(fragments[0]) }
        expectDiagnostic(error, at: c.location("at"), contains: fragments)
        #expect(c.result.plan == nil)
    }

    @Test func combinationsWithTheSameIdAreAnErrorAtTheMatrix() throws {
        // 1280X720 is read as 1280x720: the same token twice.
        let repeated = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  ⟨m⟩size: [⟨a⟩1280x720, ⟨b⟩1280X720]
            """)
        let error = repeated.singleError()
        expectDiagnostic(error, at: repeated.location("m"), contains: ["two combinations of the matrix of shot 'hero' make the variant id '1280x720'"])
        #expect(error?.notes.map(\.location) == [repeated.location("a"), repeated.location("b")])
        #expect(repeated.result.plan == nil)

        // Names that clash only once joined: x + y-z and x-y + z.
        let joined = ManifestCase("""
            version: 1
            shots:
              - id: hero
                matrix:
                  ⟨m⟩prompt: [{id: y-z, value: ⟨yz⟩A}, {id: z, value: ⟨z⟩B}]
                variants:
                  - id: ⟨x⟩x
                  - id: ⟨xy⟩x-y
            """)
        let clash = joined.singleError()
        expectDiagnostic(clash, at: joined.location("m"), contains: ["make the variant id 'x-y-z'"])
        #expect(clash?.notes.map(\.location) == [joined.location("x"), joined.location("xy"), joined.location("yz"), joined.location("z")])
    }

    @Test func idsLongerThan64CharactersAreAnErrorAtTheMatrix() {
        let long = String(repeating: "v", count: 60)
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  ⟨m⟩size: [1280x720, 720x1280]
                variants:
                  - id: \(long)
            """)
        expectDiagnostic(c.singleError(), at: c.location("m"),
                         contains: ["variant ids longer than 64 characters", "69 characters, and 1 more", "{id: NAME, value: ...}"])
        #expect(c.result.plan == nil)
    }

    @Test func aWrittenVariantMayNotSetAFieldTheMatrixVaries() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  ⟨axis⟩size: [1280x720, 720x1280]
                variants:
                  - id: dusk
                    size: ⟨v⟩720x1280
                  - id: dawn
                    seconds: 8
            """)
        let error = c.singleError()
        expectDiagnostic(error, at: c.location("v"), contains: ["variant 'dusk' of shot 'hero' sets 'size', which the shot's matrix varies"])
        #expect(error?.notes.map(\.location) == [c.location("axis")])
        #expect(c.result.plan == nil)
    }

    // MARK: - Catalogue tokens, plan output, the accelerated load

    @Test func catalogueTokensAreDistinctValidIds() {
        let at = Pos(line: 1, column: 1)
        let models = VideoModel.allCases.map { model in
            var f = JobFields()
            f.model = Located(model, at: at)
            return ManifestDecoder.token(.model, f, index: 0)
        }
        let sizes = VideoSize.allCases.map { size in
            var f = JobFields()
            f.size = Located(size, at: at)
            return ManifestDecoder.token(.size, f, index: 0)
        }
        let seconds = ClipSeconds.allCases.map { seconds in
            var f = JobFields()
            f.seconds = Located(seconds, at: at)
            return ManifestDecoder.token(.seconds, f, index: 0)
        }
        #expect(models == ["standard", "fast"])
        #expect(sizes == ["1280x720", "720x1280", "1920x1080", "1080x1920"])
        #expect(seconds == ["4s", "6s", "8s"])
        let positional = [JobKey.prompt, .references, .firstFrame, .lastFrame].map { ManifestDecoder.token($0, JobFields(), index: 2) }
        #expect(positional == ["p3", "ref3", "first3", "last3"])
        for tokens in [models, sizes, seconds, positional] {
            #expect(Set(tokens).count == tokens.count, "\(tokens)")
            for token in tokens { #expect(ManifestDecoder.isWellFormedID(token), "\(token)") }
        }
    }

    @Test func planSaysWhichVariantsCameFromAMatrix() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: plain, prompt: p}
              - id: hero
                prompt: p
                matrix:
                  size: [1280x720, 720x1280]
                  model: [\(Self.fast), \(Self.standard)]
            """)
        let plan = try planOf(c)
        let table = PlanRenderer(plan: plan).table()
        #expect(table.contains("\nhero: 4 variants from its matrix (size × model): 1280x720-fast, 1280x720-standard, 720x1280-fast, 720x1280-standard\n"))
        #expect(table.contains("hero/720x1280-standard"))
        let json = try #require(try JSONSerialization.jsonObject(with: PlanRenderer(plan: plan).json()) as? [String: Any])
        let matrices = try #require(json["matrices"] as? [[String: Any]])
        #expect(matrices.count == 1)
        #expect(matrices.first?["shot"] as? String == "hero")
        #expect(matrices.first?["axes"] as? [String] == ["size", "model"])
        #expect((matrices.first?["variants"] as? [String])?.count == 4)

        let many = Plan.MatrixVariants(shot: "s", axes: ["prompt"], crossed: ["a"], variants: (1...10).map { "a-p\($0)" })
        #expect(PlanRenderer.matrixLine(many) == "s: 10 variants from its matrix (variants × prompt): a-p1, a-p2, a-p3, a-p4, a-p5, a-p6, a-p7, … 3 more\n")
        // Without a matrix, neither the line nor the key.
        let plainPlan = try planOf(ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p}\n"))
        #expect(!PlanRenderer(plan: plainPlan).table().contains("from its matrix"))
        let plainJSON = try #require(try JSONSerialization.jsonObject(with: PlanRenderer(plan: plainPlan).json()) as? [String: Any])
        #expect(plainJSON["matrices"] == nil)
    }

    /// Matrices in block style (list items deeper than the shots') at every cut of a split load give
    /// the sequential result.
    @Test func splitLoadsOfMatricesGiveTheSequentialResult() {
        var text = "version: 1\nshots:\n"
        for i in 0..<8 {
            text += "  - id: s\(i)\n    prompt: p\(i)\n    matrix:\n      size:\n        - 1280x720\n        - id: tall\n          value: 720x1280\n"
            if i % 2 == 1 { text += "      seconds: [4, 8]\n    variants:\n      - id: v\n" }
        }
        #expect(SplitLoadTests.acceptedCuts(text).count == 7)
    }
}
