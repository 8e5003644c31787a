import ArgumentParser
import Logging
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoSupport

@main
struct VeoPipeline: AsyncParsableCommand {
    static func main() async {
        MallocTuning.apply()
        // A closed stdout or stderr stops the printing, never the run (`OutputChannel`).
        OutputChannel.prepareProcess()
        LoggingSystem.bootstrap { TerminalLogHandler(label: $0) }
        await main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "veo-pipeline",
        abstract: "Turn a YAML shot list into rendered video clips.",
        discussion: """
            Write a manifest of shots (prompts, reference images, first and last frames, variants, \
            takes), check it, see the plan and its estimated cost, then render it against the \
            provider's video API or the bundled emulator.

            Examples:
              veo-pipeline validate pipelines/demo.yaml
              veo-pipeline plan pipelines/demo.yaml
              veo-pipeline run pipelines/demo.yaml --emulate
              VEO_API_KEY=sk-... veo-pipeline run shots.yaml --out renders/trailer
              veo-pipeline emulator --port 8089
            """,
        version: VeoVersion.string,
        subcommands: [ValidateCommand.self, PlanCommand.self, RunCommand.self, ReportCommand.self, GCCommand.self, DownloadCommand.self, EmulatorCommand.self]
    )
}
