import Foundation
import Testing
import VeoEmulator
import VeoRunner

/// A job mixing image URLs with files (issue 17, part 2): `run` fetches the URL images itself and
/// uploads everything as multipart; the image's bytes are part of the job's content key.
@Suite struct ImageURLTests {
    /// A local image server (scripts/test-support/image_server.py) for the length of `body`.
    static func withImageServer(_ folder: String, _ body: (String) async throws -> Void) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Package.root + "/scripts/test-support/image_server.py", folder]
        // Its output goes nowhere: a server holding the test runner's output open would keep it waiting.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL) }
        // The port file appears once the server listens (polled without blocking a thread).
        let portFile = folder + "/port"
        #expect(await eventually(timeout: 20) { FileManager.default.fileExists(atPath: portFile) })
        let port = try #require(Int((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""), "the image server did not start")
        try await body("http://127.0.0.1:\(port)")
    }

    static func log(_ folder: String) -> [String] {
        ((try? String(contentsOfFile: folder + "/requests.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func urlImagesAreFetchedUploadedInOrderAndRevalidated() async throws {
        try await Harness.with { h in
            let served = h.directory + "/served"
            try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: h.directory + "/assets/style-board.png", toPath: served + "/good.png")
            try await Self.withImageServer(served) { base in
                try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E mixed images, references: [assets/lion.jpg, \"\(base)/redirect/3\"]}"))
                let first = try await h.run()
                #expect(first.code == 0, "\(first)")
                let create = try #require(await h.record().creates.first)
                #expect(create.contentType == "multipart")
                #expect(create.imageSHA256 == [try Tools.sha256(h.directory + "/assets/lion.jpg"), try Tools.sha256(served + "/good.png")])
                let report = try await h.report()
                #expect(report.job("a")?.request.inputs.last?.source == "\(base)/redirect/3")
                #expect(report.job("a")?.request.inputs.last?.sha256 == (try Tools.sha256(served + "/good.png")))
                // Unchanged: revalidated (304), cached, nothing created.
                #expect(try await h.run().code == 0)
                #expect(await h.record().createCount == 1)
                #expect(Self.log(served).contains("GET /good.png 304"), "\(Self.log(served))")
                // Changed at the same URL: rendered again.
                try FileManager.default.removeItem(atPath: served + "/good.png")
                try FileManager.default.copyItem(atPath: h.directory + "/assets/lion.jpg", toPath: served + "/good.png")
                #expect(try await h.run().code == 0)
                #expect(await h.record().createCount == 2)
            }
        }
    }

    @Test(arguments: [
        ("/missing.png", "the server answered HTTP 404"),
        ("/notes.png", "not a PNG, JPEG or WebP image"),
        ("/big.png", "more than the 20 MiB limit"),
        ("/redirect/7", "more than 5 redirects"),
    ])
    func aBadImageURLFailsItsJobBeforeAnythingIsPaid(path: String, message: String) async throws {
        try await Harness.with { h in
            let served = h.directory + "/served"
            try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
            try "just text".write(toFile: served + "/notes.png", atomically: true, encoding: .utf8)
            try await Self.withImageServer(served) { base in
                try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E bad url, references: [assets/lion.jpg, \"\(base)\(path)\"]}"))
                let result = try await h.run()
                #expect(result.code == 1, "\(result)")
                let report = try await h.report()
                #expect(report.job("a")?.error?.code == "input_unreadable")
                #expect(report.job("a")?.error?.message.contains(message) == true, "\(report.job("a")?.error?.message ?? "")")
                #expect(await h.record().createAttemptCount == 0)
                #expect(report.summary.cost?.spent.jsonNumber == 0)
            }
        }
    }
}
