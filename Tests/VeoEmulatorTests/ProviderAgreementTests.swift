import Foundation
import Testing
import VeoEmulator
import VeoProvider

/// The emulator keeps its own reading of the provider's page, independent of the client's
/// (module VeoProvider). These tests drive the emulator over HTTP with what VeoProvider lists, and
/// with near misses, and check that the two readings agree.
@Suite("Provider agreement: the emulator and VeoProvider read the provider's page alike")
struct ProviderAgreementTests {
    static let prompt = "a lighthouse at dusk"

    /// Runs `body` against an in-memory emulator that serves a fixed file (no renders).
    static func withEmulator(_ body: @Sendable (Harness) async throws -> Void) async throws {
        let served = FileManager.default.temporaryDirectory.appendingPathComponent("agree-\(UUID().uuidString).mp4")
        try Data("\0\0\0\u{18}ftypisom".utf8).write(to: served)
        defer { try? FileManager.default.removeItem(at: served) }
        try await Harness.with(.router, { $0.serveFile = served.path }, body)
    }

    /// A JSON create body; `seconds` is written as given (a JSON fragment), nil leaves a field out.
    static func body(model: String = VideoModel.fast.rawValue, seconds: String? = nil, size: String? = nil) -> String {
        var fields = [#""model":\#(quoted(model))"#, #""prompt":\#(quoted(prompt))"#]
        if let seconds { fields.append(#""seconds":\#(seconds)"#) }
        if let size { fields.append(#""size":\#(quoted(size))"#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    /// Expects `reply` to be a 400 naming `param`.
    static func expectRefused(
        _ reply: Harness.Reply, param: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reply.status == 400, "\(what) was accepted", sourceLocation: sourceLocation)
        #expect(reply.error["param"] as? String == param, "\(what): \(reply.text)", sourceLocation: sourceLocation)
    }

    // MARK: - Models, sizes, seconds

    @Test("Every model VeoProvider lists is accepted, and nothing near them")
    func models() async throws {
        let listed = VideoModel.allCases.map(\.rawValue)
        let nearMisses = listed.flatMap { model in
            [
                model.uppercased(), model + " ", " " + model, String(model.dropLast()),
                model.replacingOccurrences(of: "3.1", with: "3.0"), model.replacingOccurrences(of: "-preview", with: ""),
            ]
        } + ["", "veo-3.1", "veo-3.1-fast", "veo-3.1-generate-preview-fast", "veo-3-generate-preview"]
        try await Self.withEmulator { h in
            for model in listed {
                #expect(try await h.post(json: Self.body(model: model)).status == 200, "\(model) refused")
            }
            for model in nearMisses where !listed.contains(model) {
                Self.expectRefused(try await h.post(json: Self.body(model: model)), param: "model", "model '\(model)'")
            }
        }
    }

    @Test("Every size VeoProvider lists is accepted, and nothing near them")
    func sizes() async throws {
        let listed = VideoSize.allCases.map(\.rawValue)
        let nearMisses = [
            "1280x721", "1280X720", "1280*720", "1280 x 720", "720x720", "1080x1080", "1920x1200", "2560x1440",
            "3840x2160", "640x360", "854x480", "1280x720 ", " 1920x1080", "720p", "1080p", "16:9", "",
        ]
        try await Self.withEmulator { h in
            for size in listed {
                // 8 seconds: every size takes it.
                let reply = try await h.post(json: Self.body(seconds: "8", size: size))
                #expect(reply.status == 200, "\(size) refused: \(reply.text)")
                #expect(reply.json["size"] as? String == size)
            }
            for size in nearMisses where !listed.contains(size) {
                Self.expectRefused(try await h.post(json: Self.body(seconds: "8", size: size)), param: "size", "size '\(size)'")
            }
        }
    }

    @Test("Every length VeoProvider lists is accepted, as a number or as text, and no other")
    func seconds() async throws {
        let listed = ClipSeconds.allCases.map(\.rawValue)
        try await Self.withEmulator { h in
            for n in Array(-2...20) + [24, 30, 60, 100] {
                let size = VideoSize.landscape720.rawValue
                for written in ["\(n)", "\"\(n)\""] {
                    let reply = try await h.post(json: Self.body(seconds: written, size: size))
                    if listed.contains(n) {
                        #expect(reply.status == 200, "seconds \(written) refused: \(reply.text)")
                        #expect(reply.json["seconds"] as? Int == n)
                    } else {
                        Self.expectRefused(reply, param: "seconds", "seconds \(written)")
                    }
                }
            }
            for written in ["4.5", "6.1", #""4.0""#, #"" 6""#, #""6s""#, #""six""#, #""""#, "null", "true", "[6]"] {
                let reply = try await h.post(json: Self.body(seconds: written))
                Self.expectRefused(reply, param: "seconds", "seconds \(written)")
            }
        }
    }

    @Test("For every size and length, the emulator accepts exactly when RequestRules finds no violation")
    func sizeAndSeconds() async throws {
        try await Self.withEmulator { h in
            for size in VideoSize.allCases {
                for seconds in ClipSeconds.allCases {
                    let request = GenerationRequest(model: .standard, prompt: Self.prompt, seconds: seconds, size: size)
                    let violations = RequestRules.violations(of: request)
                    let reply = try await h.post(
                        json: Self.body(model: request.model.rawValue, seconds: "\(seconds.rawValue)", size: size.rawValue))
                    #expect((reply.status == 200) == violations.isEmpty, "\(size.rawValue), \(seconds.rawValue) s: \(reply.text)")
                    if let violation = violations.first {
                        #expect(reply.error["param"] as? String == violation.field)
                    }
                }
            }
            // Both sides count the 1080p sizes as the ones that need 8 seconds.
            let needEight = VideoSize.allCases.filter { !RequestRules.violations(of: .init(model: .fast, prompt: Self.prompt, seconds: .four, size: $0)).isEmpty }
            #expect(Set(needEight) == Set(VideoSize.allCases.filter(\.is1080p)))
        }
    }

    @Test("What a request leaves out, the emulator fills in with VeoProvider's defaults")
    func defaults() async throws {
        try await Self.withEmulator { h in
            let reply = try await h.post(json: Self.body())
            #expect(reply.status == 200)
            #expect(reply.json["seconds"] as? Int == ClipSeconds.default.rawValue)
            #expect(reply.json["size"] as? String == VideoSize.default.rawValue)
        }
    }

    // MARK: - Images

    /// Image bytes: one sample of each format VeoProvider knows, and near misses.
    static let imageSamples: [(name: String, bytes: [UInt8])] = [
        ("png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 5, 0, 0, 0, 2, 0xD0, 8, 2, 0, 0, 0]),
        ("jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
        ("jpeg-exif", [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08] + Array("Exif".utf8) + [0, 0]),
        ("webp", Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8) + Array(repeating: 0, count: 18)),
        ("webp-lossless", Array("RIFF".utf8) + [0x1A, 0, 0, 0] + Array("WEBPVP8L".utf8) + Array(repeating: 0, count: 10)),
        ("gif", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]),
        ("bmp", Array("BM".utf8) + Array(repeating: 0, count: 20)),
        ("tiff", [0x49, 0x49, 0x2A, 0x00] + Array(repeating: 0, count: 12)),
        ("heic", [0, 0, 0, 0x18] + Array("ftypheic".utf8) + Array(repeating: 0, count: 8)),
        ("png-one-byte-off", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0B] + Array(repeating: 0, count: 8)),
        ("jpeg-two-bytes", [0xFF, 0xD8]),
        ("jpeg-no-marker", [0xFF, 0xD8, 0x00, 0xE0] + Array(repeating: 0, count: 8)),
        ("riff-wave", Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WAVEfmt ".utf8)),
        ("riff-short", Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEB".utf8)),
        ("text", Array("not an image at all".utf8)),
        ("empty", []),
    ]

    @Test("An uploaded image is accepted exactly when VeoProvider's ImageInfo.sniff recognises it")
    func imageFormats() async throws {
        let recognised = Set(Self.imageSamples.compactMap { ImageInfo.sniff($0.bytes)?.format })
        #expect(recognised == Set(ImageFormat.allCases), "the samples must cover every format VeoProvider lists")
        try await Self.withEmulator { h in
            for sample in Self.imageSamples {
                let reply = try await h.post(multipart: [
                    ("model", nil, Array(VideoModel.fast.rawValue.utf8)), ("prompt", nil, Array(Self.prompt.utf8)),
                    ("input_reference", "image", sample.bytes),
                ])
                if ImageInfo.sniff(sample.bytes) != nil {
                    #expect(reply.status == 200, "\(sample.name) refused: \(reply.text)")
                } else {
                    Self.expectRefused(reply, param: "input_reference", "image \(sample.name)")
                }
            }
        }
    }

    @Test("Both sides take 1 to ProviderLimits.maxReferenceImages images")
    func imageCount() async throws {
        let png = Self.imageSamples[0].bytes
        let base: [(name: String, filename: String?, bytes: [UInt8])] = [
            ("model", nil, Array(VideoModel.fast.rawValue.utf8)), ("prompt", nil, Array(Self.prompt.utf8)),
        ]
        try await Self.withEmulator { h in
            for count in 0...(ProviderLimits.maxReferenceImages + 2) {
                let urls = (0..<count).map { #""https://example.com/\#($0).png""# }.joined(separator: ",")
                let json = try await h.post(
                    json: #"{"model":"\#(VideoModel.fast.rawValue)","prompt":"p","input_reference":[\#(urls)]}"#)
                let uploads = try await h.post(
                    multipart: base + Array(repeating: ("input_reference", "a.png", png), count: count))
                let allowed = (1...ProviderLimits.maxReferenceImages).contains(count)
                #expect((json.status == 200) == allowed, "\(count) URLs: \(json.text)")
                // A multipart request without image parts is a text-to-video request.
                #expect((uploads.status == 200) == (allowed || count == 0), "\(count) uploads: \(uploads.text)")
            }
        }
    }
}
