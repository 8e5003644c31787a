import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// An error is said once, at its line: what follows from it elsewhere is not reported as well
/// (issue 24, item 23).
@Suite("Errors that follow from an earlier one")
struct CascadeTests {
    @Test func anInvalidSecondsIsNotAlsoMeasuredAsTheDefaultByATrim() {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: door, prompt: p, seconds: ⟨s⟩5}
            cuts:
              - id: reel
                clips:
                  - {shot: door, trim: {end: 5}}
            """)
        expectDiagnostic(c.singleError(), at: c.location("s"), contains: ["'seconds' must be"])
    }

    @Test func anInvalidSecondsInAVariantOverADefaultIsNotMeasuredEither() {
        let c = ManifestCase("""
            version: 1
            defaults: {seconds: 4}
            shots:
              - id: door
                prompt: p
                variants:
                  - {id: long, seconds: ⟨s⟩7}
            cuts:
              - id: reel
                clips:
                  - {shot: door, variant: long, trim: {start: 5}}
            """)
        expectDiagnostic(c.singleError(), at: c.location("s"), contains: ["'seconds' must be"])
    }

    @Test func aValidSecondsOverAnInvalidDefaultIsMeasured() {
        let c = ManifestCase("""
            version: 1
            defaults: {seconds: ⟨d⟩5}
            shots:
              - {id: door, prompt: p, seconds: 4}
            cuts:
              - id: reel
                clips:
                  - {shot: door, trim: {end: ⟨t⟩6}}
            """)
        #expect(c.errors.count == 2, "\(c.describe())")
        expectDiagnostic(c.errors.first { $0.location == c.location("d") }, at: c.location("d"), contains: ["'seconds' must be"])
        expectDiagnostic(c.errors.first { $0.location == c.location("t") }, at: c.location("t"), contains: ["past the end of clip 'door', which is 4 s long"])
    }

    @Test func anInvalidSecondsIsNotAlsoReportedAsTooShortForFullHD() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, size: 1920x1080, seconds: ⟨s⟩5}\n")
        expectDiagnostic(c.singleError(), at: c.location("s"), contains: ["'seconds' must be"])
    }

    @Test func anUnknownMatrixAxisDoesNotAlsoMakeACutsVariantUnknown() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  size: [1280x720, 720x1280]
                  ⟨axis⟩colour: [red, blue]
            cuts:
              - id: reel
                clips:
                  - {shot: hero, variant: 1280x720-red}
            """)
        expectDiagnostic(c.singleError(), at: c.location("axis"), contains: ["unknown matrix axis 'colour'"])
    }

    @Test func anInvalidMatrixValueDoesNotAlsoMakeAFrameReferenceUnknown() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  seconds: [4, ⟨v⟩5]
              - id: next
                prompt: q
                first_frame: {shot: hero, variant: 5s, frame: last}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'seconds' must be"])
    }

    @Test func aVariantNameThatMatchesNothingIsStillAnErrorWhenTheMatrixIsValid() {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: hero
                prompt: p
                matrix:
                  size: [1280x720, 720x1280]
            cuts:
              - id: reel
                clips:
                  - {shot: hero, variant: ⟨v⟩1280x720-red}
            """)
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["has no variant '1280x720-red'"])
    }

    @Test func anInvalidSizeIsNotAlsoComparedWithAnImage() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, size: ⟨s⟩720x720, references: [assets/poster-portrait.webp]}\n")
        expectDiagnostic(c.singleError(), at: c.location("s"), contains: ["unknown size '720x720'"])
        #expect(c.warnings.isEmpty, "\(c.describe())")
    }

    @Test func theAspectWarningNamesTheShotInPlainWords() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: portrait, prompt: p, size: 720x1280, references: [⟨r⟩assets/lion.jpg]}\n")
        #expect(c.errors.isEmpty, "\(c.describe())")
        let warning = c.warnings.first
        expectDiagnostic(warning, .warning, at: c.location("r"), contains: ["differs from the size of shot 'portrait', 720x1280"])
        #expect(warning?.message.contains("''s") == false, "\(warning?.message ?? "")")
    }
}
