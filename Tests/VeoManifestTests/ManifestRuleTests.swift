import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// Every manifest rule of issue 2, each checked at the exact line and column of its diagnostic.
@Suite("Manifest rules")
struct ManifestRuleTests {
    // MARK: - Scalars typed by field

    @Test func scalarsAreTypedByTheirField() throws {
        let c = ManifestCase("""
            version: "1"
            shots:
              - id: yes
                prompt: no
                seconds: "6"
              - id: "2"
                prompt: 'off'
                seconds: 6
            """)
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        let plan = try #require(c.result.plan)
        #expect(plan.jobs.map(\.id) == ["yes", "2"])
        #expect(plan.jobs.map(\.request.prompt) == ["no", "off"])
        #expect(plan.jobs.map(\.request.seconds) == [.six, .six])
    }

    @Test func secondsSixInWordsIsAnError() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                seconds: ⟨v⟩six
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'seconds' must be 4, 6 or 8", "'six'"])
        #expect(c.result.plan == nil)
    }

    // MARK: - Top level

    @Test func versionMustBeOne() {
        let c = ManifestCase("version: ⟨v⟩2\nshots:\n  - {id: a, prompt: p}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["unsupported manifest version '2'", "version 1"])
    }

    @Test func versionIsRequired() {
        let c = ManifestCase("# a comment\n⟨root⟩name: x\nshots:\n  - {id: a, prompt: p}\n")
        expectDiagnostic(c.singleError(), at: c.location("root"), contains: ["missing required key 'version'"])
    }

    @Test func shotsAreRequiredAndNotEmpty() {
        let missing = ManifestCase("⟨root⟩version: 1\n")
        expectDiagnostic(missing.singleError(), at: missing.location("root"), contains: ["missing required key 'shots'"])
        let empty = ManifestCase("version: 1\nshots: ⟨v⟩[]\n")
        expectDiagnostic(empty.singleError(), at: empty.location("v"), contains: ["'shots' is empty"])
        let scalar = ManifestCase("version: 1\nshots: ⟨v⟩many\n")
        expectDiagnostic(scalar.singleError(), at: scalar.location("v"), contains: ["'shots' must be a list"])
    }

    @Test func emptyAndNonMappingDocuments() {
        let empty = ManifestCase("# nothing here\n")
        expectDiagnostic(empty.singleError(), at: Loc(file: empty.file, line: 1, column: 1), contains: ["the manifest is empty"])
        let list = ManifestCase("⟨v⟩- a\n- b\n")
        expectDiagnostic(list.singleError(), at: list.location("v"), contains: ["a manifest is a mapping", "a list"])
    }

    @Test func nameDefaultsToTheFileName() throws {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p}\n", name: "my-trailer.yaml")
        #expect(try #require(c.result.plan).name == "my-trailer")
        #expect(c.result.manifest?.name == "my-trailer")
        let named = ManifestCase("version: 1\nname: given\nshots:\n  - {id: a, prompt: p}\n")
        #expect(named.result.plan?.name == "given")
        let blank = ManifestCase("version: 1\nname: ⟨v⟩'  '\nshots:\n  - {id: a, prompt: p}\n")
        expectDiagnostic(blank.singleError(), at: blank.location("v"), contains: ["'name' must not be empty"])
    }

    // MARK: - Unknown keys

    @Test(arguments: [
        ("version: 1\n⟨k⟩shot:\n  - {id: a, prompt: p}\n", "unknown key 'shot' in the manifest", "did you mean 'shots'?"),
        ("version: 1\nshots:\n  - id: a\n    ⟨k⟩promt: p\n", "unknown key 'promt' in a shot", "did you mean 'prompt'?"),
        ("version: 1\ndefaults:\n  ⟨k⟩second: 4\nshots:\n  - {id: a, prompt: p}\n", "unknown key 'second' in 'defaults'", "did you mean 'seconds'?"),
        ("version: 1\nshots:\n  - id: a\n    prompt: p\n    variants:\n      - {id: v, ⟨k⟩modle: x}\n", "unknown key 'modle' in a variant", "did you mean 'model'?"),
        ("version: 1\nshots:\n  - {id: a, prompt: p}\n  - id: b\n    prompt: p\n    first_frame: {shot: a, ⟨k⟩fram: last}\n",
         "unknown key 'fram' in a frame reference", "did you mean 'frame'?"),
    ])
    func unknownKeysSuggestTheClosest(text: String, message: String, suggestion: String) {
        let c = ManifestCase(text)
        let d = c.errors.first { $0.message.contains("unknown key") }
        expectDiagnostic(d, at: c.location("k"), contains: [message, suggestion])
        #expect(c.result.plan == nil)
    }

    @Test func extensionKeysAreAllowedOnlyAtTheTop() {
        let ok = ManifestCase("version: 1\nx-anything: {a: 1}\nshots:\n  - {id: a, prompt: p}\n")
        #expect(ok.result.diagnostics.isEmpty, "\(ok.describe())")
        let inShot = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, ⟨k⟩x-note: 1}\n")
        expectDiagnostic(inShot.singleError(), at: inShot.location("k"), contains: ["unknown key 'x-note' in a shot"])
    }

    @Test func unrelatedUnknownKeyHasNoSuggestion() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, ⟨k⟩zzzzzzzz: 1}\n")
        expectDiagnostic(c.singleError(), at: c.location("k"), contains: ["unknown key 'zzzzzzzz'"])
        #expect(c.errors.first?.message.contains("did you mean") == false)
    }

    // MARK: - Job fields

    @Test func unknownModelSuggestsOne() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                model: ⟨v⟩veo-3.1-fast-generate
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"),
                         contains: ["unknown model 'veo-3.1-fast-generate'", "did you mean 'veo-3.1-fast-generate-preview'?"])
    }

    @Test(arguments: ["4", "6", "8", "\"8\"", "'4'"])
    func allowedSeconds(seconds: String) throws {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, seconds: \(seconds)}\n")
        #expect(c.errors.isEmpty, "\(c.describe())")
        let job = try #require(c.result.plan?.jobs.first)
        #expect(String(job.request.seconds.rawValue) == seconds.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
    }

    @Test(arguments: ["5", "0", "10", "6.0", "-4", "[6]", "~"])
    func disallowedSeconds(seconds: String) {
        let c = ManifestCase("version: 1\nshots:\n  - id: a\n    prompt: p\n    seconds: ⟨v⟩\(seconds)\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'seconds' must be 4, 6 or 8"])
    }

    @Test func unknownSize() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, size: ⟨v⟩1280x721}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["unknown size '1280x721'", "did you mean '1280x720'?"])
    }

    @Test func fullHDNeedsEightSeconds() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                size: ⟨size⟩1920x1080
                seconds: ⟨sec⟩6
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("size"), contains: ["size 1920x1080 (1080p) needs 'seconds: 8'", "shot 'a' has 6 seconds"])
        #expect(d?.notes.map(\.location) == [c.location("sec")])
        let ok = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, size: 1080x1920, seconds: 8}\n")
        #expect(ok.errors.isEmpty, "\(ok.describe())")
    }

    @Test func fullHDWithTheDefaultSecondsPointsAtTheSize() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                size: ⟨size⟩1080x1920
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("size"), contains: ["needs 'seconds: 8'", "6 seconds (the default)"])
        #expect(d?.notes.isEmpty == true)
    }

    @Test func fullHDInAVariantPointsAtTheVariantsSize() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                seconds: ⟨sec⟩4
                variants:
                  - id: draft
                  - id: final
                    size: ⟨size⟩1920x1080
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("size"), contains: ["variant 'final' of shot 'hero' has 4 seconds"])
        #expect(d?.notes.map(\.location) == [c.location("sec")])
    }

    @Test(arguments: [("⟨v⟩[]", 0), ("⟨v⟩[assets/lion.jpg, assets/lion.jpg, assets/lion.jpg, assets/lion.jpg]", 4)])
    func referencesTakeOneToThreeImages(list: String, count: Int) {
        let c = ManifestCase("version: 1\nshots:\n  - id: a\n    prompt: p\n    references: \(list)\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'references' takes 1 to 3 images, not \(count)"])
    }

    @Test func referencesBlockListPointsAtTheList() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                references:
                  ⟨v⟩- assets/lion.jpg
                  - assets/lion.jpg
                  - assets/lion.jpg
                  - assets/lion.jpg
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["not 4"])
    }

    @Test func referencesMustBeAList() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: ⟨v⟩assets/lion.jpg}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'references' must be a list"])
    }

    @Test func referencesNotWithFrames() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                references: ⟨refs⟩[assets/lion.jpg]
                first_frame: ⟨ff⟩assets/lion.jpg
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("refs"), contains: ["'references' cannot be combined with 'first_frame'/'last_frame'"])
        #expect(d?.notes.map(\.location) == [c.location("ff")])
    }

    @Test func lastFrameNeedsFirstFrame() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                last_frame: ⟨lf⟩assets/closeup-start.jpg
            """)
        expectDiagnostic(c.singleError(), at: c.location("lf"), contains: ["'last_frame' needs a 'first_frame' in shot 'a'"])
    }

    @Test func promptIsRequired() {
        let c = ManifestCase("version: 1\nshots:\n  ⟨shot⟩- id: a\n    seconds: 4\n")
        // The shot mapping starts at its first key, after "- ".
        expectDiagnostic(c.singleError(), at: Loc(file: c.file, position: c["shot"].advanced(by: 2)), contains: ["shot 'a' has no 'prompt'"])
    }

    @Test(arguments: ["~", "\"\""])
    func nullOrEmptyPromptIsOneError(_ value: String) {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: ⟨v⟩\(value)}\n")
        // Exactly one error: not also "has no 'prompt'".
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'prompt' is empty"])
    }

    @Test func imageURLsMixWithFilesAndFramesAndArePlannedToBeFetched() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: a, prompt: p}
              - id: b
                prompt: q
                first_frame: {shot: a, frame: last}
                last_frame: https://example.com/end.png
            """)
        #expect(c.errors.isEmpty, "\(c.describe())")
        let b = try #require(c.result.plan?.job("b"))
        #expect(b.request.mixesURLsAndUploads)
        #expect(PlanRenderer(plan: try #require(c.result.plan)).table().contains("last=https://example.com/end.png (fetched)"))
    }

    // MARK: - Ids

    @Test func shotIdsAreUnique() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: ⟨first⟩same
                prompt: p
              - id: ⟨second⟩same
                prompt: q
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("second"), contains: ["duplicate shot id 'same'"])
        #expect(d?.notes.map(\.location) == [c.location("first")])
        #expect(d?.notes.first?.message.contains("first defined here") == true)
    }

    @Test(arguments: ["-lead", "has space", "ünï", "a/b", "a#2", String(repeating: "x", count: 65), "''"])
    func malformedShotIds(id: String) {
        let quoted = id.contains(" ") || id.contains("#") ? "\"\(id)\"" : id
        let c = ManifestCase("version: 1\nshots:\n  - id: ⟨v⟩\(quoted)\n    prompt: p\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["invalid shot id", "1 to 64 letters, digits, '-' or '_'"])
    }

    @Test(arguments: ["a", "A9", "9a", "a_b-c", String(repeating: "x", count: 64)])
    func wellFormedShotIds(id: String) throws {
        let c = ManifestCase("version: 1\nshots:\n  - id: \(id)\n    prompt: p\n")
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        #expect(try #require(c.result.plan).jobs.map(\.id) == [id])
    }

    @Test func shotWithoutId() {
        let c = ManifestCase("version: 1\nshots:\n  - ⟨shot⟩prompt: p\n")
        expectDiagnostic(c.singleError(), at: c.location("shot"), contains: ["this shot has no 'id'"])
    }

    @Test func variantIdsAreUniqueWithinAShot() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                variants:
                  - id: ⟨first⟩v1
                  - id: ⟨second⟩v1
              - id: b
                prompt: p
                variants:
                  - id: v1
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("second"), contains: ["duplicate variant id 'v1' in shot 'a'"])
        #expect(d?.notes.map(\.location) == [c.location("first")])
    }

    @Test func malformedVariantId() {
        let c = ManifestCase("version: 1\nshots:\n  - id: a\n    prompt: p\n    variants:\n      - id: ⟨v⟩'bad id'\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["invalid variant id 'bad id'"])
    }

    // MARK: - References between shots

    @Test func frameReferenceToUnknownShot() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: savanna
                prompt: p
              - id: bridge
                prompt: p
                first_frame: {shot: ⟨v⟩savana, frame: last}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["unknown shot 'savana'", "did you mean 'savanna'?"])
    }

    @Test func afterUnknownShot() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: one, prompt: p}\n  - {id: two, prompt: p, after: [⟨v⟩onw]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'after' names unknown shot 'onw'", "did you mean 'one'?"])
    }

    @Test func frameReferenceToUnknownVariant() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                variants: [{id: draft}, {id: final}]
              - id: next
                prompt: p
                first_frame: {shot: hero, variant: ⟨v⟩finl, frame: last}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["shot 'hero' has no variant 'finl'", "did you mean 'final'?"])
    }

    @Test func frameReferenceToUnknownTake() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                takes: 2
              - id: next
                prompt: p
                first_frame: {shot: hero, take: ⟨v⟩3, frame: first}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["shot 'hero' has 2 takes, so there is no take 3"])
    }

    @Test func frameReferenceTakeMustBePositive() {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: hero, prompt: p}
              - id: next
                prompt: p
                first_frame: {shot: hero, take: ⟨v⟩0, frame: first}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'take' must be a whole number from 1"])
    }

    @Test func frameReferenceNeedsFrameAndShot() {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: hero, prompt: p}
              - id: next
                prompt: p
                first_frame: ⟨ref⟩{shot: hero}
              - id: other
                prompt: p
                first_frame: {shot: hero, frame: ⟨frame⟩middle}
              - id: third
                prompt: p
                first_frame: ⟨noshot⟩{frame: last}
            """)
        #expect(c.errors.count == 3, "\(c.describe())")
        expectDiagnostic(c.errors.first { $0.message.contains("needs 'frame") }, at: c.location("ref"), contains: ["'frame: first' or 'frame: last'"])
        expectDiagnostic(c.errors.first { $0.message.contains("'middle'") }, at: c.location("frame"), contains: ["'frame' must be 'first' or 'last'"])
        expectDiagnostic(c.errors.first { $0.message.contains("needs 'shot'") }, at: c.location("noshot"), contains: ["frame reference"])
    }

    @Test func variantRequiredWhenTheShotHasVariants() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                variants: [{id: draft}, {id: final}]
              - id: next
                prompt: p
                first_frame: ⟨ref⟩{shot: hero, frame: last}
            """)
        expectDiagnostic(c.singleError(), at: c.location("ref"), contains: ["shot 'hero' has variants (draft, final)", "'variant:'"])
    }

    @Test func variantNotAllowedWhenTheShotHasNone() {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: hero, prompt: p}
              - id: next
                prompt: p
                first_frame: {shot: hero, variant: ⟨v⟩final, frame: last}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["shot 'hero' has no variants"])
    }

    @Test func noSelfReferenceByFrame() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: loop
                prompt: p
                first_frame: {shot: ⟨v⟩loop, frame: last}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["shot 'loop' cannot take a frame of its own clip"])
    }

    @Test func noSelfReferenceByAfter() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: loop, prompt: p, after: [⟨v⟩loop]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["shot 'loop' cannot come after itself"])
    }

    @Test func cycleNamesEveryEdgeWithItsPosition() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                first_frame: ⟨ab⟩{shot: b, frame: last}
              - id: b
                prompt: p
                after: [⟨bc⟩c]
              - id: c
                prompt: p
                first_frame: ⟨ca⟩{shot: a, frame: first}
            """)
        let d = c.singleError()
        expectDiagnostic(d, at: c.location("ab"), contains: ["dependency cycle: a → b → c → a"])
        let notes = d?.notes ?? []
        #expect(notes.map(\.location) == [c.location("ab"), c.location("bc"), c.location("ca")])
        #expect(notes.map(\.message) == [
            "'a' waits for 'b' (first_frame)",
            "'b' waits for 'c' (after)",
            "'c' waits for 'a' (first_frame)",
        ])
        #expect(notes.allSatisfy { $0.severity == .note })
        #expect(c.result.plan == nil)
    }

    @Test func cycleThroughTakesAndVariantsIsReportedOnce() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                takes: 3
                after: [⟨ab⟩b]
              - id: b
                prompt: p
                variants: [{id: x}, {id: y}]
                after: [⟨ba⟩a]
            """)
        let cycles = c.errors.filter { $0.message.hasPrefix("dependency cycle") }
        #expect(cycles.count == 1, "\(c.describe())")
        #expect(Set(cycles.first?.notes.compactMap(\.location) ?? []) == [c.location("ab"), c.location("ba")])
    }

    // MARK: - Images

    @Test func missingLocalImage() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [⟨v⟩assets/nope.png]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["image 'assets/nope.png' does not exist", c.dir.path])
    }

    @Test func imageThatIsADirectory() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [⟨v⟩assets]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["is a directory"])
    }

    @Test func imageIsCheckedByContentNotName() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                references: [⟨txt⟩fake.png, ⟨ok⟩really-a-png.txt]
            """, images: ["fake.png": Array("not an image".utf8), "really-a-png.txt": ImageBytes.png(width: 1280, height: 720)])
        expectDiagnostic(c.singleError(), at: c.location("txt"), contains: ["'fake.png' is not a PNG, JPEG or WebP image"])
    }

    @Test(arguments: [
        ("i.png", ImageBytes.png(width: 1280, height: 720)),
        ("i.jpg", ImageBytes.jpeg(width: 1280, height: 720)),
        ("i.webp", ImageBytes.webp(width: 1280, height: 720)),
    ])
    func pngJpegAndWebPAreAccepted(name: String, bytes: [UInt8]) {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [\(name)]}\n", images: [name: bytes])
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        #expect(c.result.plan?.jobs.first?.request.inputs.first?.source == .file(path: c.dir.path + "/" + name, written: name))
    }

    @Test func imageSizesAreSniffed() {
        #expect(ImageInfo.sniff(ImageBytes.png(width: 640, height: 360)) == ImageInfo(format: .png, width: 640, height: 360))
        #expect(ImageInfo.sniff(ImageBytes.jpeg(width: 300, height: 200)) == ImageInfo(format: .jpeg, width: 300, height: 200))
        #expect(ImageInfo.sniff(ImageBytes.webp(width: 720, height: 1280)) == ImageInfo(format: .webp, width: 720, height: 1280))
        #expect(ImageInfo.sniff(Array("GIF89a".utf8)) == nil)
        #expect(ImageInfo.sniff([]) == nil)
        // Truncated headers: a format without a size, never a crash.
        #expect(ImageInfo.sniff(Array(ImageBytes.png(width: 1, height: 1).prefix(12)))?.width == nil)
        #expect(ImageInfo.sniff([0xFF, 0xD8, 0xFF])?.format == .jpeg)
        #expect(ImageInfo.sniff(Array(ImageBytes.webp(width: 9, height: 9).prefix(16)))?.format == .webp)
        // The bundled assets.
        let lion = [UInt8](try! Data(contentsOf: Paths.repo.appendingPathComponent("pipelines/assets/lion.jpg")))
        #expect(ImageInfo.sniff(lion) == ImageInfo(format: .jpeg, width: 640, height: 360))
        let poster = [UInt8](try! Data(contentsOf: Paths.repo.appendingPathComponent("pipelines/assets/poster-portrait.webp")))
        #expect(ImageInfo.sniff(poster) == ImageInfo(format: .webp, width: 360, height: 640))
    }

    @Test(arguments: ["ftp://example.com/a.jpg", "file:///etc/passwd", "s3://bucket/a.png"])
    func urlMustBeHTTP(url: String) {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [⟨v⟩\"\(url)\"]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["unsupported URL scheme", "image URLs must be http or https"])
    }

    @Test func httpURLsAreAcceptedWithoutFetching() throws {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [\"http://example.com/a.jpg\", HTTPS://example.com/b.png]}\n")
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        let inputs = try #require(c.result.plan?.jobs.first?.request.inputs)
        #expect(inputs.map(\.source) == [.url("http://example.com/a.jpg"), .url("HTTPS://example.com/b.png")])
    }

    @Test func urlWithoutHost() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [⟨v⟩\"https://\"]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["is not a valid URL"])
    }

    @Test func referenceAspectRatioMismatchIsAWarning() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: a
                prompt: p
                size: 720x1280
                references: [assets/poster-portrait.webp, ⟨v⟩assets/lion.jpg]
            """)
        #expect(c.errors.isEmpty, "\(c.describe())")
        #expect(c.warnings.count == 1, "\(c.describe())")
        expectDiagnostic(c.warnings.first, .warning, at: c.location("v"),
                         contains: ["image 'assets/lion.jpg' is 640x360", "720x1280 (9:16)", "advises matching"])
        // Warnings do not make the manifest invalid.
        #expect(c.result.isValid)
        #expect(c.result.plan != nil)
    }

    @Test func frameFromAnotherAspectIsAWarning() {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: wide, prompt: p}
              - id: tall
                prompt: p
                size: 720x1280
                first_frame: ⟨v⟩{shot: wide, frame: last}
            """)
        #expect(c.errors.isEmpty, "\(c.describe())")
        expectDiagnostic(c.warnings.first, .warning, at: c.location("v"), contains: ["takes a frame of 'wide'", "1280x720 (16:9)"])
    }

    // MARK: - Variables and prompts

    @Test func undefinedVariable() {
        let c = ManifestCase("""
            version: 1
            vars:
              style: noir
            shots:
              - id: a
                prompt: ⟨v⟩A lion, ${styel}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["undefined variable '${styel}' in prompt", "did you mean 'style'?"])
    }

    @Test func undefinedVariableWithoutVars() {
        let c = ManifestCase("version: 1\nshots:\n  - id: a\n    prompt: ⟨v⟩${mood} lion\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'${mood}'", "define it under 'vars:'"])
    }

    @Test func variablesExpandAndDollarsEscape() throws {
        let c = ManifestCase("""
            version: 1
            vars: {style: noir, n: 5}
            shots:
              - id: a
                prompt: "${style} lion, $${style}, $5, ${n}, ${unclosed"
            """)
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        #expect(try #require(c.result.plan).jobs.first?.request.prompt == "noir lion, ${style}, $5, 5, ${unclosed")
    }

    @Test func promptEmptyAfterExpansion() {
        let c = ManifestCase("""
            version: 1
            vars: {nothing: ''}
            shots:
              - id: a
                prompt: ⟨v⟩"${nothing}  "
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["the prompt of shot 'a' is empty after expanding variables"])
    }

    @Test func invalidVariableName() {
        let c = ManifestCase("version: 1\nvars:\n  ⟨k⟩9lives: x\nshots:\n  - {id: a, prompt: p}\n")
        expectDiagnostic(c.singleError(), at: c.location("k"), contains: ["invalid variable name '9lives'"])
    }

    // MARK: - Takes

    @Test(arguments: ["0", "21", "-1", "two", "1.5"])
    func takesOneToTwenty(takes: String) {
        let c = ManifestCase("version: 1\nshots:\n  - id: a\n    prompt: p\n    takes: ⟨v⟩\(takes)\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'takes' must be a whole number from 1 to 20", "'\(takes)'"])
    }

    @Test func twentyTakes() throws {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, takes: 20}\n")
        let plan = try #require(c.result.plan)
        #expect(plan.jobs.count == 20)
        #expect(plan.jobs.first?.id == "a")
        #expect(plan.jobs.last?.id == "a#20")
    }

    // MARK: - All problems, not just the first

    @Test func everyProblemIsCollectedInOrder() {
        let c = ManifestCase("""
            version: ⟨version⟩3
            shots:
              - id: a
                prompt: p
                seconds: ⟨seconds⟩5
              - id: b
                prompt: ⟨prompt⟩${missing}
                model: ⟨model⟩veo
                takes: ⟨takes⟩99
            """)
        #expect(c.errors.map(\.location) == ["version", "seconds", "prompt", "model", "takes"].map(c.location), "\(c.describe())")
    }
}
