import Foundation
import Testing

@testable import VeoClient
import VeoProvider

private let request = GenerationRequest(model: .fast, prompt: "p", seconds: .six, size: .landscape720)

/// Every string of an error a caller may print or store.
private func texts(of error: VideoAPIError) -> [String] {
    [error.message, error.code ?? "", error.param ?? "", "\(error)"]
}

@Suite("Server text: the key redacted, control characters escaped")
struct RedactionTests {
    /// Where the server echoes the key: error code, type, param, message, or a body that is not JSON.
    @Test(arguments: [
        #"{"error":{"message":"bad","code":"\#(testKey)"}}"#,
        #"{"error":{"message":"bad","type":"echo-\#(testKey)"}}"#,
        #"{"error":{"message":"bad","code":"x","param":"\#(testKey)"}}"#,
        #"{"error":{"message":"key=\#(testKey)","code":"x"}}"#,
        "<html>your key \(testKey)</html>",
    ])
    func anEchoedKeyIsRedactedInEveryErrorField(body: String) async throws {
        try await withScriptedClient(script: { _ in httpResponse("400 Bad Request", body: body) }) { _, client in
            let created = try await expectAPIError { _ = try await client.create(request) }
            let polled = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            for error in [created, polled] {
                #expect(error.kind == .badRequest)
                #expect(!texts(of: error).contains { $0.contains(testKey) })
                #expect("\(error)".contains("<redacted>"))
            }
        }
    }

    @Test func anEchoedKeyIsRedactedInTheVideoObject() async throws {
        let body = """
            {"id":"video_1","status":"in_progress \(testKey)","model":"m-\(testKey)","size":"\(testKey)",\
            "video_url":"https://cdn.example/\(testKey).mp4","error":{"code":"\(testKey)","message":"key \(testKey)"}}
            """
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: body) }) { _, client in
            let (video, _) = try await client.retrieve(id: "video_1")
            #expect(!String(describing: video).contains(testKey))
            #expect(video.model == "m-<redacted>" && video.error?.code == "<redacted>")
        }
    }

    @Test func aFailedJobsCodeAndMessageAreRedactedAndEscaped() async throws {
        let body = #"{"id":"video_1","status":"failed","error":{"code":"bad\u001b[2J\#(testKey)","message":"no\r\nway \#(testKey)"}}"#
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: body) }) { _, client in
            let error = try await expectAPIError {
                _ = try await client.waitForCompletion(id: "video_1", pollInterval: .seconds(1), timeout: .seconds(10)) { _ in }
            }
            #expect(error.kind == .jobFailed)
            #expect(error.code == #"bad\u{1B}[2J<redacted>"#)
            #expect(error.message == #"job video_1 failed: no\u{D}\u{A}way <redacted>"#)
        }
    }

    @Test func aCreatedVideoWhoseIdHoldsTheKeyIsRefused() async throws {
        let body = #"{"id":"video_\#(testKey)","status":"queued"}"#
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: body) }) { _, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .ambiguousSubmission)
            #expect(error.message.contains("\"video_<redacted>\""))
        }
    }

    /// JSON escapes (decoded into control characters) and raw control bytes in a body that is not JSON.
    @Test(arguments: [
        (#"{"error":{"message":"x\u001b[2J\r\nfake\u202Eevil","code":"c\u0007","param":"p\u001b"}}"#, #"x\u{1B}[2J\u{D}\u{A}fake\u{202E}evil"#),
        ("<p>\u{1B}]0;title\u{07}</p>", #"<p>\u{1B}]0;title\u{7}</p>"#),
    ])
    func controlCharactersInErrorsAreEscaped(body: String, message: String) async throws {
        try await withScriptedClient(script: { _ in httpResponse("422 Unprocessable", body: body) }) { _, client in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            #expect(error.message == message)
            for text in texts(of: error) {
                #expect(!text.unicodeScalars.contains(where: ServerText.needsEscape), "\(text)")
            }
        }
    }

    @Test func aHugeErrorBodyIsReadOnlyInPartAndShortened() async throws {
        let body = String(repeating: "x", count: 3 << 20)
        try await withScriptedClient(script: { _ in httpResponse("400 Bad Request", body: body) }) { _, client in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            #expect(error.kind == .badRequest)
            #expect(error.message.count <= 301 && error.message.hasSuffix("…"))
        }
    }
}
