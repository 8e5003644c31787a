import Foundation
import Testing
import VeoEmulator

@Suite("Routing")
struct RoutingTests {
    /// The emulator's API endpoints, as a client sees them: a path, the methods it takes, the
    /// `Allow` header of a 405, and what the request log calls its requests.
    struct Route: Sendable, CustomTestStringConvertible {
        var path: String
        var methods: Set<Verb>
        var allow: String
        var kind: RecordedRequest.Kind
        var testDescription: String { path }
    }

    static let routes = [
        Route(path: "/v1/videos", methods: [.POST], allow: "POST", kind: .create),
        Route(path: "/v1/videos/video_0123", methods: [.GET], allow: "GET", kind: .poll),
        Route(path: "/v1/videos/video_0123/content", methods: [.GET], allow: "GET", kind: .content),
        Route(path: "/files/video_0123.mp4", methods: [.GET, .HEAD], allow: "GET", kind: .file),
    ]

    @Test("Other methods answer 405 with Allow; the request is logged under its endpoint", arguments: routes)
    func methodNotAllowed(_ route: Route) async throws {
        try await Harness.with(.router) { h in
            let wrong = Verb.allCases.filter { !route.methods.contains($0) }
            for method in wrong {
                let reply = try await h.send(method, route.path)
                #expect(reply.status == 405, "\(method) \(route.path)")
                #expect(reply.header("Allow") == route.allow)
                #expect(reply.error["code"] as? String == "method_not_allowed")
                #expect(reply.error["type"] as? String == "invalid_request_error")
            }
            let record = await h.emulator.record()
            #expect(record.requests.map(\.status) == Array(repeating: 405, count: wrong.count))
            #expect(record.requests.allSatisfy { $0.kind == route.kind && $0.path == route.path })
        }
    }

    @Test("The methods an endpoint takes reach its handler", arguments: routes)
    func routed(_ route: Route) async throws {
        try await Harness.with(.router) { h in
            for method in route.methods {
                let reply = try await h.send(method, route.path, body: Array("{}".utf8), contentType: "application/json")
                // The handlers' own answers: a missing model, an unknown video, no such file.
                let expected =
                    switch route.kind {
                    case .create: "missing_required_parameter"
                    case .file: "file_not_found"
                    default: "video_not_found"
                    }
                #expect(reply.error["code"] as? String == expected, "\(method) \(route.path)")
            }
        }
    }

    @Test("Unknown paths answer 404 not_found in the API's error shape, and are logged")
    func unknownPath() async throws {
        try await Harness.with(.router) { h in
            let paths = ["/", "/v1", "/v1/video", "/v1/videos/a/b", "/v1/videos/a/contents", "/files/a.mov", "/files", "/v2/videos"]
            for path in paths {
                let reply = try await h.send(.GET, path)
                #expect(reply.status == 404, "\(path)")
                #expect(reply.error["code"] as? String == "not_found")
                #expect(reply.error["message"] as? String == "Unknown path \(path).")
                #expect(reply.error["param"] is NSNull)
            }
            let record = await h.emulator.record()
            #expect(record.requests.map(\.path) == paths)
            #expect(record.requests.allSatisfy { $0.kind == .other && !$0.authorized && $0.status == 404 })
        }
    }

    @Test("Control paths: unknown ones and wrong methods answer the control 404; none is logged")
    func controlPaths() async throws {
        try await Harness.with(.router) { h in
            for (method, path) in [(Verb.GET, "/_emulator"), (.GET, "/_emulator/nope"), (.POST, "/_emulator/record"), (.DELETE, "/_emulator/faults"), (.GET, "/_emulator/reset")] {
                let reply = try await h.send(method, path, auth: nil)
                #expect(reply.status == 404, "\(method) \(path)")
                #expect((reply.error["message"] as? String)?.hasPrefix("Control endpoints:") == true)
            }
            #expect(try await h.send(.GET, "/_emulator/faults", auth: nil).status == 200)
            #expect(await h.emulator.record().requests.isEmpty)
        }
    }

    @Test("The clip files need no token; HEAD answers the GET's headers without a body")
    func fileHead() async throws {
        let served = FileManager.default.temporaryDirectory.appendingPathComponent("head-\(UUID().uuidString).mp4")
        let payload = Array("\0\0\0\u{18}ftypisom".utf8) + Array(repeating: UInt8(3), count: 5000)
        try Data(payload).write(to: served)
        defer { try? FileManager.default.removeItem(at: served) }
        try await Harness.with(.router, renderSeconds: 0.05, { $0.serveFile = served.path }) { h in
            let id = try await h.create()
            _ = try await h.pollUntilDone(id)
            let head = try await h.send(.HEAD, "/files/\(id).mp4", auth: nil)
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "video/mp4")
            #expect(head.header("Content-Length") == String(payload.count))
            #expect(head.body.isEmpty)
            let get = try await h.send(.GET, "/files/\(id).mp4", auth: nil)
            #expect(get.body == payload)
            let files = await h.emulator.record().requests.filter { $0.kind == .file }
            #expect(files.map(\.method) == ["HEAD", "GET"])
            #expect(files.allSatisfy { $0.authorized && $0.videoID == id })
        }
    }
}
