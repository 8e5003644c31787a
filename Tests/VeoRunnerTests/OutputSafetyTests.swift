import Foundation
import Testing
import VeoRunner
import VeoSupport

@testable import VeoViews

/// Printing that cannot stop a run (issue 24, item 2) and text that cannot drive a GitHub runner
/// (item 7).
@Suite("Output channels and workflow commands")
struct OutputSafetyTests {
    // MARK: - A reader that went away

    @Test func aClosedPipeClosesTheChannelInsteadOfKillingTheProcess() throws {
        OutputChannel.prepareProcess()  // SIGPIPE ignored, as the tool does at startup
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[1]) }
        let channel = OutputChannel(fd: fds[1])
        #expect(channel.write("first line\n"))
        close(fds[0])  // `| head -1` has read its line and quit
        #expect(!channel.write("second line\n"))
        #expect(channel.isClosed)
        #expect(!channel.write("third line\n"), "a closed channel drops text without trying again")
    }

    @Test func aLongTextIsWrittenWhole() async throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let text = String(repeating: "0123456789abcdef", count: 64 * 1024)  // 1 MiB: more than a pipe holds
        let readEnd = fds[0]
        let reader = Task.detached { () -> Int in
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { return total }
                total += n
            }
        }
        #expect(OutputChannel(fd: fds[1]).write(text))
        close(fds[1])
        #expect(await reader.value == text.utf8.count)
    }

    // MARK: - Workflow commands in free text

    @Test(arguments: [
        ("::warning file=x.yaml,line=1::forged", "%3A:warning file=x.yaml,line=1::forged"),
        ("   ::stop-commands::tok", "   %3A:stop-commands::tok"),
        ("\t\u{1B}::error::x", "\t\u{1B}%3A:error::x"),
        ("ok\n::error::second line", "ok\n%3A:error::second line"),
        ("ok\r::error::after a carriage return", "ok\r%3A:error::after a carriage return"),
        ("message ##[error]legacy form mid-line", "message ##%5Berror]legacy form mid-line"),
        ("####[[", "####%5B["),
        ("a prompt: with :: inside", "a prompt: with :: inside"),
        ("\u{2003}::notice::em space", "\u{2003}%3A:notice::em space"),
    ])
    func freeTextNeverReadsAsACommand(_ input: String, _ expected: String) {
        let out = GitHubActions.neutralised(input)
        #expect(out == expected)
        #expect(!Self.runnerSeesACommand(out), "\(out.debugDescription)")
    }

    @Test func aVerboseGroupCannotCarryCommands() throws {
        let report = try ContactSheetFixture.report(
            prompt: "A calm sea\n::stop-commands::tok\n  ::error file=x::forged\n##[group]fake", message: "##[error]provider says ::warning::")
        let groups = GitHubActions.groups(for: report)
        let lines = groups.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" }
        let commands = lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("::") }
        #expect(commands.allSatisfy { $0.hasPrefix("::group::") || $0 == "::endgroup::" }, "\(commands)")
        #expect(!groups.contains("##["))
        #expect(groups.contains("A calm sea\n%3A:stop-commands::tok"), "a prompt keeps its lines: \(groups)")
    }

    /// What a GitHub runner would act on: a line starting with `::` after white space, or `##[`.
    static func runnerSeesACommand(_ text: String) -> Bool {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }.contains { line in
            line.drop { $0.isWhitespace }.hasPrefix("::") || line.contains("##[")
        }
    }
}

/// A small report for the views, as `run` writes it.
enum ContactSheetFixture {
    static func report(prompt: String, message: String) throws -> RunReport {
        let job = """
            {"id": "doomed", "shot": "doomed", "variant": null, "take": 1, "line": 5, "column": 5,
             "status": "failed", "cached": false, "cache_key": null, "video_id": "video_1",
             "request": {"model": "veo-3.1-fast-generate-preview", "prompt": \(json(prompt)), "seconds": 4, "size": "1280x720", "inputs": []},
             "output": null, "attempts": 1, "timings": {"submitted_at": null, "completed_at": null, "render_seconds": null},
             "error": {"code": "generation_failed", "message": \(json(message)), "provider_code": "generation_failed"}, "skipped_because": null}
            """
        let text = """
            {"schema_version": 1, "tool": {"name": "veo-pipeline", "version": "0.2.0"},
             "manifest": {"path": "shots.yaml", "sha256": "\(String(repeating: "d", count: 64))", "name": "fixture"},
             "started_at": "2026-11-30T00:00:00Z", "finished_at": "2026-11-30T00:00:39Z", "status": "failed", "base_url": null,
             "emulated": false, "summary": {"total": 1, "succeeded": 0, "failed": 1, "skipped": 0, "cached": 0}, "jobs": [\(job)]}
            """
        return try JSONDecoder().decode(RunReport.self, from: Data(text.utf8))
    }

    static func json(_ s: String) -> String {
        (try? JSONEncoder().encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
