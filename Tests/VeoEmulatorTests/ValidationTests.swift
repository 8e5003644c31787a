import Foundation
import Testing
import VeoEmulator

@Suite("Create validation")
struct ValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var body: String
        var param: String?
        var code: String
        var testDescription: String { body }
    }

    static let model = #""model":"veo-3.1-generate-preview""#

    static let invalid: [Case] = [
        Case(body: "{not json", param: nil, code: "invalid_json"),
        Case(body: "[1,2]", param: nil, code: "invalid_json"),
        Case(body: #"{"prompt":"a cat"}"#, param: "model", code: "missing_required_parameter"),
        Case(body: #"{"model":"veo-2","prompt":"a cat"}"#, param: "model", code: "invalid_value"),
        Case(body: #"{"model":7,"prompt":"a cat"}"#, param: "model", code: "invalid_type"),
        Case(body: "{\(model)}", param: "prompt", code: "missing_required_parameter"),
        Case(body: #"{\#(model),"prompt":""}"#, param: "prompt", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":" 6"}"#, param: "seconds", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":5}"#, param: "seconds", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":"10"}"#, param: "seconds", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":"six"}"#, param: "seconds", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":6.5}"#, param: "seconds", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":true}"#, param: "seconds", code: "invalid_type"),
        Case(body: #"{\#(model),"prompt":"a","size":"1024x1024"}"#, param: "size", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","size":"1920x1080"}"#, param: "size", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","seconds":6,"size":"1080x1920"}"#, param: "size", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","input_reference":[]}"#, param: "input_reference", code: "invalid_value"),
        Case(
            body: #"{\#(model),"prompt":"a","input_reference":["http://a/1","http://a/2","http://a/3","http://a/4"]}"#,
            param: "input_reference", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","input_reference":["ftp://a/1.png"]}"#, param: "input_reference", code: "invalid_value"),
        Case(body: #"{\#(model),"prompt":"a","input_reference":"http://a/1.png"}"#, param: "input_reference", code: "invalid_type"),
        Case(body: #"{\#(model),"prompt":"a","input_reference":[3]}"#, param: "input_reference", code: "invalid_type"),
        Case(body: #"{\#(model),"prompt":"a","quality":"high"}"#, param: "quality", code: "unknown_parameter"),
    ]

    @Test("Each rule answers 400 naming the field", arguments: invalid)
    func rejects(_ c: Case) async throws {
        try await Harness.with(.router) { h in
            let reply = try await h.post(json: c.body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.error["code"] as? String == c.code)
            #expect(reply.error["type"] as? String == "invalid_request_error")
            #expect(!((reply.error["message"] as? String) ?? "").isEmpty)
            if let param = c.param {
                #expect(reply.error["param"] as? String == param)
            } else {
                #expect(reply.error["param"] is NSNull)
            }
            #expect(await h.emulator.record().createCount == 0)
        }
    }

    @Test("Valid bodies answer 200 with a queued video object and defaults applied")
    func accepts() async throws {
        try await Harness.with(.router) { h in
            let minimal = try await h.post(json: #"{\#(Self.model),"prompt":"a cat"}"#)
            #expect(minimal.status == 200)
            let object = minimal.json
            let id = try #require(object["id"] as? String)
            #expect(id.hasPrefix("video_") && id.dropFirst(6).allSatisfy(\.isHexDigit))
            #expect(object["object"] as? String == "video")
            #expect(object["status"] as? String == "queued")
            #expect(object["progress"] as? Int == 0)
            #expect(object["seconds"] as? Int == 6)
            #expect(object["size"] as? String == "1280x720")
            #expect(object["model"] as? String == "veo-3.1-generate-preview")
            #expect(object["prompt"] as? String == "a cat")
            let created = try #require(object["created_at"] as? Int)
            #expect(abs(Double(created) - Date().timeIntervalSince1970) < 60)

            let full = try await h.post(
                json: #"{"model":"veo-3.1-fast-generate-preview","prompt":"b","seconds":"8","size":"1080x1920","input_reference":["https://example.com/a.jpg","http://example.com/b.png"]}"#)
            #expect(full.status == 200, "\(full.text)")
            #expect(full.json["seconds"] as? Int == 8)
            #expect(full.json["size"] as? String == "1080x1920")
            let record = await h.emulator.record()
            #expect(record.createCount == 2)
            #expect(record.creates.last?.imageURLs == ["https://example.com/a.jpg", "http://example.com/b.png"])
            #expect(record.creates.last?.fields["seconds"] == "8")
            #expect(record.creates.last?.contentType == "json")
        }
    }

    @Test("Multipart: repeated image parts are accepted in order and hashed")
    func multipart() async throws {
        try await Harness.with(.router) { h in
            let reply = try await h.post(multipart: [
                ("model", nil, Array("veo-3.1-generate-preview".utf8)),
                ("prompt", nil, Array("first and last frame".utf8)),
                ("seconds", nil, Array("4".utf8)),
                ("size", nil, Array("720x1280".utf8)),
                ("input_reference", "first.png", Media.png),
                ("input_reference", "last.jpg", Media.jpeg),
                ("input_reference", "ref.webp", Media.webp),
            ])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["seconds"] as? Int == 4)
            #expect(reply.json["size"] as? String == "720x1280")
            let create = try #require(await h.emulator.record().creates.first)
            #expect(create.contentType == "multipart")
            #expect(create.videoID == reply.json["id"] as? String)
            #expect(create.fields == ["model": "veo-3.1-generate-preview", "prompt": "first and last frame", "seconds": "4", "size": "720x1280"])
            var expected: [String] = []
            for image in [Media.png, Media.jpeg, Media.webp] { expected.append(try await Media.sha256Hex(image)) }
            #expect(create.imageSHA256 == expected)
        }
    }

    @Test("Multipart rules: image bytes, 1-3 parts, unknown fields, required fields")
    func multipartRules() async throws {
        try await Harness.with(.router) { h in
            let base: [(name: String, filename: String?, bytes: [UInt8])] = [
                ("model", nil, Array("veo-3.1-generate-preview".utf8)), ("prompt", nil, Array("p".utf8)),
            ]
            let notImage = try await h.post(multipart: base + [("input_reference", "x.png", Array("GIF89a...".utf8))])
            #expect(notImage.status == 400)
            #expect(notImage.error["param"] as? String == "input_reference")
            let four = try await h.post(multipart: base + Array(repeating: ("input_reference", "a.png", Media.png), count: 4))
            #expect(four.status == 400)
            #expect(four.error["param"] as? String == "input_reference")
            let unknown = try await h.post(multipart: base + [("style", nil, Array("noir".utf8))])
            #expect(unknown.status == 400)
            #expect(unknown.error["code"] as? String == "unknown_parameter")
            #expect(unknown.error["param"] as? String == "style")
            let noPrompt = try await h.post(multipart: [base[0]])
            #expect(noPrompt.status == 400)
            #expect(noPrompt.error["param"] as? String == "prompt")
            let badSeconds = try await h.post(multipart: base + [("seconds", nil, Array("7".utf8))])
            #expect(badSeconds.status == 400)
            #expect(badSeconds.error["param"] as? String == "seconds")
            let fullHD = try await h.post(multipart: base + [("size", nil, Array("1920x1080".utf8))])
            #expect(fullHD.status == 400)
            #expect(fullHD.error["param"] as? String == "size")
            let unsupported = try await h.send(.POST, "/v1/videos", body: Array("model=x".utf8), contentType: "text/plain")
            #expect(unsupported.status == 400)
            #expect(await h.emulator.record().createCount == 0)
            #expect(await h.emulator.record().createAttemptCount == 7)
        }
    }
}

@Suite("Authentication")
struct AuthTests {
    @Test("Missing, empty or malformed bearer tokens answer 401 invalid_api_key")
    func missing() async throws {
        try await Harness.with(.router) { h in
            for auth in [nil, "Bearer ", "Bearer    ", "Basic dXNlcjpwdw==", "sk-test"] as [String?] {
                let reply = try await h.post(json: #"{"model":"veo-3.1-generate-preview","prompt":"a"}"#, auth: auth)
                #expect(reply.status == 401, "auth \(auth ?? "nil")")
                #expect(reply.error["code"] as? String == "invalid_api_key")
                #expect(reply.error["type"] as? String == "invalid_request_error")
            }
            let poll = try await h.send(.GET, "/v1/videos/video_00", auth: nil)
            #expect(poll.status == 401)
            let content = try await h.send(.GET, "/v1/videos/video_00/content", auth: nil)
            #expect(content.status == 401)
            let record = await h.emulator.record()
            #expect(record.createCount == 0)
            #expect(record.unauthorizedCount == 7)
            #expect(record.requests.allSatisfy { !$0.authorized })
        }
    }

    @Test("A configured API key rejects other keys and accepts itself; the key is never recorded")
    func configuredKey() async throws {
        try await Harness.with(.router, { $0.apiKey = "sk-right-key-123" }) { h in
            let body = #"{"model":"veo-3.1-generate-preview","prompt":"a"}"#
            let wrong = try await h.post(json: body, auth: "Bearer sk-wrong")
            #expect(wrong.status == 401)
            #expect(wrong.error["code"] as? String == "invalid_api_key")
            let right = try await h.post(json: body, auth: "Bearer sk-right-key-123")
            #expect(right.status == 200)
            let recordReply = try await h.send(.GET, "/_emulator/record", auth: nil)
            #expect(recordReply.status == 200)
            #expect(!recordReply.text.contains("sk-right-key-123"))
            #expect(!recordReply.text.contains("sk-wrong"))
            let record = try JSONDecoder().decode(EmulatorRecord.self, from: Data(recordReply.body))
            #expect(record.requests.map(\.authorized) == [false, true])
            #expect(record.createCount == 1)
        }
    }
}
