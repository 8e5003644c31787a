import ArgumentParser
import Foundation
import VeoReport
import VeoRunner
import VeoSupport
import VeoViews

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the views of a finished run again from its report, with no API call.",
        discussion: """
            Reads <out>/report.json and writes <out>/index.html, the contact sheet: one row per \
            shot, its variants and takes side by side, each with its clip, a strip of frames, the \
            prompt, the inputs, the status and the estimated cost. The page is self-contained \
            (no network, relative links only): open it from disk, or upload the whole folder as \
            a CI artifact. Thumbnails are made with ffmpeg once per clip under <out>/thumbs/.

            `run` writes the same page at the end of every run, also one that failed or was \
            interrupted. --junit FILE and GitHub output (GITHUB_ACTIONS=true or --github) are \
            written from the same report, as `run` writes them.

            Exit status: 0 written, 64 no report in the folder, 65 the report is not readable, \
            73 the page cannot be written.

            Examples:
              veo-pipeline report renders/demo
              veo-pipeline report renders/demo --open
              veo-pipeline report renders/demo --junit renders/demo/junit.xml
            """)

    @Argument(help: ArgumentHelp("The run's output folder (it holds report.json).", valueName: "out-dir"))
    var outDirectory: String

    @Flag(help: "Open the page in the default browser, where there is one.")
    var open = false

    @Option(parsing: .unconditional, help: ArgumentHelp("ffmpeg processes at once for thumbnails (1 to 64).", valueName: "n"))
    var concurrency = 4

    @OptionGroup(title: "CI outputs")
    var ci: CIOutputOptions

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64") }
    }

    func run() async throws {
        let layout = OutputLayout(root: outDirectory)
        guard FileManager.default.fileExists(atPath: layout.reportPath) else {
            Terminal.writeStderr("error: there is no report.json in \(layout.root); `veo-pipeline run` writes it there\n")
            throw Exit.usage
        }
        let report: RunReport
        do {
            report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: layout.reportPath)))
        } catch {
            Terminal.writeStderr("error: \(layout.reportPath) is not a report this version of veo-pipeline reads (\(FileErrorText.reason(error)))\n")
            throw Exit.invalidManifest
        }
        let page: String
        do {
            page = try await RunViews.writeContactSheet(report: report, outDirectory: layout.root, concurrency: concurrency)
        } catch {
            Terminal.writeStderr("error: cannot write the contact sheet: \(FileErrorText.describe(error))\n")
            throw Exit.cannotWrite
        }
        Terminal.writeStdout("Contact sheet: \(page)\n")
        try ci.finish(report, outDirectory: outDirectory, verbose: false)
        if open { Browser.open(page) }
    }
}

/// Opens a file in the default browser (`xdg-open`, or `open` on macOS), without waiting for it.
enum Browser {
    static func open(_ path: String) {
        #if os(macOS)
        let opener = "/usr/bin/open"
        #else
        let opener = ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open"].first { FileManager.default.isExecutableFile(atPath: $0) }
        #endif
        guard let opener, FileManager.default.isExecutableFile(atPath: opener) else {
            Terminal.writeStderr("note: no browser opener (xdg-open) on this machine; open \(path) yourself\n")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            Terminal.writeStderr("note: could not open a browser (\(FileErrorText.reason(error))); open \(path) yourself\n")
        }
    }
}
