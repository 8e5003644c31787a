import Testing
import VeoProvider

@testable import VeoRunner

/// Content keys written by earlier versions must keep naming the same clips: a re-run of an
/// unchanged manifest renders nothing. These keys were computed before the request-field table
/// existed (by the code of that time and, independently, by a short Python script hashing the
/// same length-prefixed fields); any change to how a request is hashed breaks them.
@Suite("Cache keys stay byte-identical across versions")
struct CacheKeyPinTests {
    static let a = String(repeating: "a", count: 64)
    static let b = String(repeating: "b", count: 64)
    static let c = String(repeating: "c", count: 64)

    @Test func aPlainRequest() {
        let request = GenerationRequest(model: .fast, prompt: "a lighthouse at dusk", seconds: .six, size: .landscape720)
        #expect(
            CacheKey.compute(request, identities: [], variant: nil, take: 1)
                == "c8f634e2be0c8674394bd7a7e11ad1f1a57d186a56a8ecd2c52d92a0e794bb56")
    }

    @Test func aVariantTakeWithAFileAndAnUpstreamFrame() {
        let request = GenerationRequest(
            model: .standard, prompt: "Ünïcode: the lion's \"roar\"\nsecond line", seconds: .eight, size: .landscape1080,
            inputs: [
                RequestInput(role: .firstFrame, source: .file(path: "/abs/lion.png", written: "lion.png")),
                RequestInput(role: .lastFrame, source: .frame(job: "savanna", frame: .last)),
            ])
        #expect(
            CacheKey.compute(request, identities: [Self.a, Self.b], variant: "wide", take: 2)
                == "90863dce3dd2ebdb999326fef97cb608819cd424543ebbee6aab24b130915f40")
    }

    @Test func referencesByURLAndFrame() {
        let request = GenerationRequest(
            model: .fast, prompt: "references", seconds: .four, size: .portrait720,
            inputs: [
                RequestInput(role: .reference, source: .url("https://example.com/a.png")),
                RequestInput(role: .reference, source: .frame(job: "intro", frame: .first)),
            ])
        #expect(
            CacheKey.compute(request, identities: ["https://example.com/a.png", Self.c], variant: nil, take: 3)
                == "7451e8b77feb9aaa96aa0f83455985361933d02a998758f2e519d9120c866c23")
    }
}
