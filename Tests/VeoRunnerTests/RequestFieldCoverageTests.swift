import Foundation
import Testing
import VeoManifest
import VeoProvider

@testable import VeoClient
@testable import VeoRunner
@testable import VeoViews

/// The field table (`VeoProvider/RequestFields.swift`) is the one home of a request's fields:
/// these tests set every field of it, through a manifest, and find each one in every shape the
/// request is written in: the wire body (JSON and multipart), the content key, the report, the
/// plan JSON and the contact sheet. A field added to the table and forgotten anywhere fails here
/// (the emulator's side: `Tests/APIClientTests/RequestFieldAcceptanceTests.swift`).
@Suite("Request fields: every field of the table reaches every shape")
struct RequestFieldCoverageTests {
    // MARK: - The request, planned from a manifest that sets every field

    /// The manifest: one shot setting every field of the table to its example, and an uploaded
    /// first frame.
    static func manifest() -> String {
        var shot = "  - id: every-field\n    first_frame: frame.png\n"
        for field in RequestFields.all { shot += "    \(field.name): \(yaml(field.example))\n" }
        return "version: 1\nname: coverage\nshots:\n" + shot
    }

    static func yaml(_ value: FieldValue) -> String {
        guard case .text(let text) = value else { return value.text }
        return String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self)
    }

    static func planned() throws -> (plan: Plan, job: PlannedJob) {
        let directory = NSTemporaryDirectory() + "veo-fields-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/frame.png"))
        try manifest().write(toFile: directory + "/shots.yaml", atomically: true, encoding: .utf8)
        let loaded = ManifestLoader.load(file: directory + "/shots.yaml")
        let plan = try #require(loaded.plan, "\(loaded.diagnostics)")
        return (plan, try #require(plan.jobs.first))
    }

    /// A JSON string, number or boolean as a field value (anything else: nil).
    struct Loose: Decodable {
        var value: FieldValue?
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let flag = try? c.decode(Bool.self) {
                value = .flag(flag)
            } else if let number = try? c.decode(Int.self) {
                value = .integer(number)
            } else {
                value = (try? c.decode(String.self)).map(FieldValue.text)
            }
        }
    }

    static func object(_ data: Data) throws -> [String: FieldValue] {
        try JSONDecoder().decode([String: Loose].self, from: data).compactMapValues(\.value)
    }

    // MARK: - The table itself

    @Test func everyExampleIsValidAndDiffersFromTheDefault() {
        let plain = GenerationRequest(model: .default, prompt: "p", seconds: .default, size: .default)
        let example = RequestFields.exampleRequest()
        #expect(RequestRules.violations(of: example).isEmpty, "the examples break a rule together")
        for field in RequestFields.all {
            #expect(field.value(of: example) == field.example, "\(field.name): its example cannot be assigned")
            #expect(field.value(of: plain) != field.example, "\(field.name): its example is the default; the key test cannot see it")
            #expect(field.presence == .whenSet || field.value(of: plain) != nil, "\(field.name) is .always but unset")
            #expect(RequestFields.named(field.name)?.wireName == field.wireName, "two fields are named \(field.name)")
        }
        // The fields hashed at a fixed place are the four of the first version, in their order:
        // a new field is `.whenSet`, appended after the inputs (CacheKeyPinTests pins the keys).
        #expect(RequestFields.all.filter { $0.presence == .always }.map(\.name) == ["model", "prompt", "seconds", "size"])
        #expect(Set(RequestFields.all.map(\.wireName)).count == RequestFields.all.count)
        #expect(!RequestFields.all.contains { $0.wireName == RequestFields.inputsWireName })
    }

    @Test func everyPropertyOfAGenerationRequestIsARowOfTheTable() {
        // A property added to GenerationRequest but not to the table would reach none of the shapes.
        let properties = Mirror(reflecting: RequestFields.exampleRequest()).children.compactMap(\.label).map { label in
            label.reduce(into: "") { out, c in out += c.isUppercase ? "_" + c.lowercased() : String(c) }
        }
        #expect(properties.sorted() == (RequestFields.all.map(\.name) + ["inputs"]).sorted())
    }

    // MARK: - Each shape

    @Test func everyFieldReachesThePlannedRequestFromTheManifest() throws {
        let job = try Self.planned().job
        for field in RequestFields.all {
            #expect(field.value(of: job.request) == field.example, "\(field.name) did not reach the planned request (manifest key, decoder or planner)")
        }
    }

    @Test func everyFieldReachesTheWireAsJSONAndAsMultipart() throws {
        let request = try Self.planned().job.request
        let wire = CreateWire(request)
        let json = try Self.object(Data(try wire.json(imageURLs: ["https://example.com/a.png"]).readableBytesView))
        let multipart = MultipartBody(fields: wire.fields, files: [], boundary: "B")
        let body = multipart.chunks.map { String(decoding: $0.readableBytesView, as: UTF8.self) }.joined()
        for field in RequestFields.all {
            #expect(json[field.wireName] == field.example, "\(field.name) is not in the JSON body as \(field.wireName)")
            #expect(
                body.contains("name=\"\(field.wireName)\"\r\n\r\n\(field.example.text)\r\n"),
                "\(field.name) is not in the multipart body as \(field.wireName)")
        }
    }

    @Test func everyFieldReachesTheCacheKey() throws {
        let job = try Self.planned().job
        let plain = GenerationRequest(model: .default, prompt: "p", seconds: .default, size: .default)
        let identities = job.request.inputs.map { _ in String(repeating: "e", count: 64) }
        let key = CacheKey.compute(job.request, identities: identities, variant: nil, take: 1)
        for field in RequestFields.all {
            var other = job.request
            #expect(field.assign(field.value(of: plain), to: &other))
            #expect(
                CacheKey.compute(other, identities: identities, variant: nil, take: 1) != key,
                "two requests that differ only in \(field.name) share a content key")
        }
    }

    @Test func everyFieldReachesTheReportAndReadsBack() throws {
        let job = try Self.planned().job
        let entry = RunReport.Job(JobOutcome(job: job, result: .skipped(Skip(cause: .notRun, reason: "test"))))
        let data = try JSONEncoder().encode(entry.request)
        let written = try Self.object(data)
        let read = try JSONDecoder().decode(RunReport.Request.self, from: data)
        for field in RequestFields.all {
            #expect(written[field.name] == field.example, "\(field.name) is not in the report's request")
            #expect(read.value(field) == field.example, "\(field.name) is not read back from a report")
        }
        #expect(written.count == RequestFields.all.count, "the report's request holds a field that is not in the table")
    }

    @Test func everyFieldReachesThePlanJSON() throws {
        let plan = try Self.planned().plan
        struct Shape: Decodable { var jobs: [[String: Loose]] }
        let jobs = try JSONDecoder().decode(Shape.self, from: PlanRenderer(plan: plan).json()).jobs
        let job = try #require(jobs.first).compactMapValues(\.value)
        for field in RequestFields.all {
            #expect(job[field.name] == field.example, "\(field.name) is not in the plan JSON")
        }
    }

    @Test func everyFieldReachesTheContactSheet() throws {
        let job = try Self.planned().job
        let entry = RunReport.Job(JobOutcome(job: job, result: .skipped(Skip(cause: .notRun, reason: "test"))))
        let jobJSON = String(decoding: try JSONEncoder().encode(entry), as: UTF8.self)
        let text = """
            {"schema_version": 1, "tool": {"name": "veo-pipeline", "version": "0"},
             "manifest": {"path": "shots.yaml", "sha256": "\(String(repeating: "d", count: 64))", "name": "coverage"},
             "started_at": "2026-11-30T00:00:00Z", "finished_at": "2026-11-30T00:01:00Z", "status": "failed", "base_url": null,
             "emulated": false, "emulator": null, "summary": {"total": 1, "succeeded": 0, "failed": 0, "skipped": 1, "cached": 0},
             "jobs": [\(jobJSON)]}
            """
        let report = try JSONDecoder().decode(RunReport.self, from: Data(text.utf8))
        let html = ContactSheet(report: report, thumbnails: Thumbnails()).html()
        for field in RequestFields.all {
            let shown = HTML.escape(field.shown(field.example))
            switch field.display {
            case .prose:
                #expect(html.contains("\">\(shown)</p>"), "\(field.name) is not on the card")
            case .fact(let label):
                #expect(html.contains("<dt>\(HTML.escape(label))</dt><dd>\(shown)</dd>"), "\(field.name) is not on the card")
            }
        }
    }

    @Test func anInputFromAnotherShotIsSpelledJobEverywhereButInTheKey() throws {
        let source = ImageSource.frame(job: "savanna", frame: .last)
        #expect(source.kind == .job && source.kind.rawValue == "job")
        #expect(source.kind.keyToken == "frame", "keys written since the first version hash `frame`")
        #expect(ImageSource.Kind(written: "frame") == .job && ImageSource.Kind(written: "job") == .job)
        #expect(ImageSource.Kind.allCases.filter { $0 != .job }.allSatisfy { $0.keyToken == $0.rawValue })
        let input = RunReport.Input(ResolvedInput(role: .firstFrame, source: source, sha256: nil))
        #expect(input.kind == "job" && input.source == "savanna" && input.frame == "last")
    }

    // MARK: - The schemas

    /// `schemas/<name>` of this repository, as JSON.
    static func schema(_ name: String) throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/" + name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func properties(_ schema: [String: Any], _ def: String) -> [String: Any] {
        let defs = schema["$defs"] as? [String: Any]
        return (defs?[def] as? [String: Any])?["properties"] as? [String: Any] ?? [:]
    }

    @Test func everyFieldIsInTheSchemas() throws {
        let pipeline = try Self.schema("pipeline.schema.json")
        let report = try Self.schema("run-report.schema.json")
        let required = ((report["$defs"] as? [String: Any])?["request"] as? [String: Any])?["required"] as? [String] ?? []
        for field in RequestFields.all {
            #expect(Self.properties(pipeline, "jobFieldProperties")[field.name] != nil, "pipeline.schema.json: no job field \(field.name)")
            #expect(Self.properties(pipeline, "matrix")[field.name] != nil, "pipeline.schema.json: no matrix axis \(field.name)")
            #expect(Self.properties(report, "request")[field.name] != nil, "run-report.schema.json: no request.\(field.name)")
            #expect(required.contains(field.name) == (field.presence == .always), "run-report.schema.json: request.\(field.name) required?")
        }
    }
}
