// The emulator's own reading of the provider's page (shared/api/provider-doc.zh.md): what a
// create request may say. The client keeps its reading in module VeoProvider; the emulator
// deliberately does not import it, and Tests/VeoEmulatorTests/ProviderAgreementTests.swift
// proves the two readings agree.

/// The provider's rules for `POST /v1/videos`, as the emulator enforces them.
enum ProviderRules {
    /// The models the provider serves.
    static let models = ["veo-3.1-generate-preview", "veo-3.1-fast-generate-preview"]
    /// The output sizes, default first.
    static let sizes = ["1280x720", "720x1280", "1920x1080", "1080x1920"]
    static let defaultSize = "1280x720"
    /// The 1080p sizes: offered with ``fullHDSeconds`` only.
    static let fullHDSizes: Set<String> = ["1920x1080", "1080x1920"]
    /// The clip lengths, in seconds.
    static let seconds = [4, 6, 8]
    static let defaultSeconds = 6
    static let fullHDSeconds = 8
    /// How many `input_reference` images a request takes.
    static let imageCount = 1...3
    /// The request fields; any other is an unknown parameter.
    static let fields: Set<String> = ["model", "prompt", "seconds", "size", "input_reference"]
    /// The fields with a text value (all but `input_reference`).
    static let textFields = ["model", "prompt", "seconds", "size"]

    /// "4, 6 or 8".
    static var secondsSpelledOut: String {
        let all = seconds.map(String.init)
        return all.dropLast().joined(separator: ", ") + " or " + (all.last ?? "")
    }
}

/// The image formats the provider takes as `input_reference` parts, recognised by their first bytes.
enum ImageKind: String, Sendable {
    case png
    case jpeg
    case webp

    /// PNG, JPEG or WebP by magic bytes; nil for anything else.
    init?(sniffing bytes: some Collection<UInt8>) {
        let b = Array(bytes.prefix(12))
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if b.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if b.count >= 12, b[0..<4].elementsEqual("RIFF".utf8), b[8..<12].elementsEqual("WEBP".utf8) {
            self = .webp
        } else {
            return nil
        }
    }
}
