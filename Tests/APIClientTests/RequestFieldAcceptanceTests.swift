import Foundation
import Testing
import VeoEmulator

@testable import VeoClient
import VeoProvider

/// The emulator keeps its own reading of the provider's page (`VeoEmulator/Provider/`), on
/// purpose. But every field of the client's table (`VeoProvider/RequestFields.swift`) must be one
/// it accepts and reads: the client sends a request with every field set, as JSON and as
/// multipart, and the emulator must take it and record each field's value as sent. A field added
/// to the table and not to the emulator fails here (`unknown_parameter`, or a value not read).
@Suite("Request fields: the emulator accepts every field of the table")
struct RequestFieldAcceptanceTests {
    /// Every field's value as the emulator recorded it, for the request sent by `send`.
    static func expectRecorded(
        contentType: String, _ send: @Sendable (VideoAPIClient, String) async throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withEmulator { emulator, client, directory in
            try await send(client, directory)
            let create = try #require(await emulator.record().creates.first, sourceLocation: sourceLocation)
            #expect(create.contentType == contentType, sourceLocation: sourceLocation)
            for field in RequestFields.all {
                #expect(
                    create.fields[field.wireName] == field.example.text,
                    "the emulator did not take \(field.name) (\(field.wireName)) from a \(contentType) body", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func everyFieldIsAcceptedInAJSONBody() async throws {
        try await Self.expectRecorded(contentType: "json") { client, _ in
            let request = RequestFields.exampleRequest(inputs: [RequestInput(role: .firstFrame, source: .url("https://example.com/a.png"))])
            _ = try await client.create(request)
        }
    }

    @Test func everyFieldIsAcceptedInAMultipartBody() async throws {
        try await Self.expectRecorded(contentType: "multipart") { client, directory in
            let path = directory + "/first.png"
            try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(to: URL(fileURLWithPath: path))
            let request = RequestFields.exampleRequest(inputs: [RequestInput(role: .firstFrame, source: .file(path: path, written: "first.png"))])
            _ = try await client.create(request, uploads: [ImageUpload(path: path, format: .png)])
        }
    }
}
