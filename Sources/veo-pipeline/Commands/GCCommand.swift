import ArgumentParser
import Foundation
import VeoRunner
import VeoSupport

struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Prune the output folder's clip store: keep what the last run uses.",
        discussion: """
            Every verified clip is kept in <out>/cache/ by the sha256 of its bytes, so going back \
            to an earlier prompt, model or image costs nothing. This removes the stored clips that \
            no job of the last run (its report.json) uses, and their records; --keep-last N also \
            keeps the N versions before the current one of each job. clips/, the journal and the \
            report are not touched. Refused while a run uses the folder.

            Exit status: 0 done, 64 bad usage, 73 the folder has no report or cannot be changed.

            Examples:
              veo-pipeline gc renders/trailer
              veo-pipeline gc renders/trailer --keep-last 2 --dry-run
            """)

    @Argument(help: ArgumentHelp("The run's output folder.", valueName: "out-dir"))
    var outDirectory: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Also keep this many earlier versions of each job (0 to 1000).", valueName: "n"))
    var keepLast = 0

    @Flag(help: "Say what would be removed, remove nothing.")
    var dryRun = false

    func validate() throws {
        guard (0...1000).contains(keepLast) else { throw ValidationError("--keep-last must be from 0 to 1000") }
    }

    func run() async throws {
        let result: GarbageCollector.Result
        do {
            result = try GarbageCollector(outDirectory: outDirectory, keepLast: keepLast).run(dryRun: dryRun)
        } catch {
            Terminal.writeStderr("error: \(FileErrorText.describe(error))\n")
            throw Exit.cannotWrite
        }
        let megabytes = String(format: "%.1f MB", Double(result.removedBytes) / 1_000_000)
        Terminal.writeStdout("\(dryRun ? "Would remove" : "Removed") \(result.removed) stored clip\(result.removed == 1 ? "" : "s") (\(megabytes)); kept \(result.kept).\n")
    }
}
