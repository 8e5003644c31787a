import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

// `Testing` also declares `SourceLocation`; these tests always mean the manifest's.
typealias Loc = VeoManifest.SourceLocation
typealias Pos = VeoManifest.SourcePosition

/// Text with inline position markers, after swift-format's MarkedText: `⟨name⟩` is removed from the
/// text and its 1-based line and column (counted in Unicode scalars, as libyaml counts) recorded.
struct MarkedText {
    var text: String
    var marks: [String: Pos] = [:]

    init(_ marked: String) {
        var out = String.UnicodeScalarView()
        var line = 1
        var column = 1
        let scalars = Array(marked.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "⟨", let close = scalars[i...].firstIndex(of: "⟩") {
                let name = String(String.UnicodeScalarView(scalars[(i + 1)..<close]))
                precondition(marks[name] == nil, "marker ⟨\(name)⟩ used twice")
                marks[name] = Pos(line: line, column: column)
                i = close + 1
                continue
            }
            out.append(s)
            if s == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            i += 1
        }
        text = String(out)
    }

    subscript(_ name: String) -> Pos {
        guard let p = marks[name] else {
            Issue.record("no marker ⟨\(name)⟩ in the text")
            return Pos(line: 0, column: 0)
        }
        return p
    }
}

/// A fresh temporary folder, removed at deinit.
final class TempDir: @unchecked Sendable {
    let url: URL
    var path: String { url.path }

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("veo-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let file = url.appendingPathComponent(name)
        try! FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! Data(bytes).write(to: file)
        return file.path
    }

    /// Copies the demo images from `pipelines/assets` into `assets/`.
    func copyPipelineAssets() {
        let assets = Paths.repo.appendingPathComponent("pipelines/assets")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: assets.path)) ?? [] {
            let bytes = [UInt8](try! Data(contentsOf: assets.appendingPathComponent(name)))
            write("assets/\(name)", bytes: bytes)
        }
    }
}

enum Paths {
    /// The package root (this file is Tests/VeoCoreTests/Support/TestSupport.swift).
    static let repo = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The fixtures folder, as copied into the test bundle (falls back to the source tree).
    static let fixtures: URL = {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) { return url }
        return repo.appendingPathComponent("Tests/VeoCoreTests/Fixtures")
    }()

    static func fixtures(_ kind: String) -> [String] {
        let dir = fixtures.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }
}

/// Minimal image files whose headers carry a pixel size.
enum ImageBytes {
    static func png(width: Int, height: Int) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + be32(width) + be32(height)
            + [8, 2, 0, 0, 0, 0, 0, 0, 0]
    }

    static func jpeg(width: Int, height: Int) -> [UInt8] {
        // SOI, an APP0 segment, then SOF0 with the size.
        var b: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 2, 0, 0, 1, 0, 1, 0, 0]
        b += [0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 3]
        b += [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]
        return b
    }

    static func webp(width: Int, height: Int) -> [UInt8] {
        // RIFF/WEBP with a VP8X chunk (canvas size minus one, 24-bit little-endian).
        var b = Array("RIFF".utf8) + [30, 0, 0, 0] + Array("WEBP".utf8) + Array("VP8X".utf8) + [10, 0, 0, 0]
        b += [0, 0, 0, 0] + le24(width - 1) + le24(height - 1)
        return b
    }

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func le24(_ v: Int) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF)]
    }
}

/// A manifest written into a temp folder (with images), loaded through `ManifestLoader`.
struct ManifestCase {
    let dir = TempDir()
    let marked: MarkedText
    let file: String
    let result: ManifestLoadResult

    init(_ text: String, name: String = "shots.yaml", images: [String: [UInt8]] = [:], options: Planner.Options = Planner.Options()) {
        marked = MarkedText(text)
        dir.copyPipelineAssets()
        for (path, bytes) in images { dir.write(path, bytes: bytes) }
        file = dir.write(name, marked.text)
        result = ManifestLoader.load(file: file, options: options)
    }

    subscript(_ name: String) -> Pos { marked[name] }

    var errors: [Diagnostic] { result.diagnostics.filter { $0.severity == .error } }
    var warnings: [Diagnostic] { result.diagnostics.filter { $0.severity == .warning } }

    func location(_ mark: String) -> Loc { Loc(file: file, position: marked[mark]) }

    /// The only error; records an issue listing all diagnostics otherwise.
    func singleError(sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
        if errors.count != 1 {
            Issue.record("expected exactly one error, got \(errors.count):\n\(describe())", sourceLocation: sourceLocation)
            return nil
        }
        return errors[0]
    }

    func describe() -> String {
        result.diagnostics.map { d in ([d.description] + d.notes.map { "  " + $0.description }).joined(separator: "\n") }
            .joined(separator: "\n")
    }
}

/// Checks one diagnostic: its place and that the message contains each fragment.
func expectDiagnostic(
    _ d: Diagnostic?, _ severity: Diagnostic.Severity = .error, at location: Loc, contains fragments: [String],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard let d else {
        Issue.record("no diagnostic", sourceLocation: sourceLocation)
        return
    }
    #expect(d.severity == severity, "\(d)", sourceLocation: sourceLocation)
    #expect(d.location == location, "\(d) — expected at \(location.position)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(d.message.contains(fragment), "'\(d.message)' should contain '\(fragment)'", sourceLocation: sourceLocation)
    }
}

/// The valid tour manifest from `pipelines/`.
enum Pipelines {
    static var tour: String { path("tour.yaml") }
    static var demo: String { path("demo.yaml") }
    static func path(_ name: String) -> String { Paths.repo.appendingPathComponent("pipelines/\(name)").path }
}
