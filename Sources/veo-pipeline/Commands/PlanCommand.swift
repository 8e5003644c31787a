import ArgumentParser
import Foundation
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the jobs a run would execute, their dependencies and the estimated cost.",
        discussion: """
            Expands the manifest into jobs (shots x variants x takes), orders them so every job \
            follows the jobs it takes frames from or comes 'after', and prints a table with totals: \
            jobs, seconds of video and an estimated cost per model. Costs are estimates from list \
            prices per generated second; pass --prices to use your own figures:
              {"currency": "USD", "rates": {"veo-3.1-generate-preview": {"720p": 0.40, "1080p": 0.40}}}
            With --out (default: the run's output folder) the table also says which jobs are \
            already rendered and would not be paid for again.

            Examples:
              veo-pipeline plan pipelines/demo.yaml
              veo-pipeline plan shots.yaml --format json
              veo-pipeline plan shots.yaml --format dot | dot -Tsvg > plan.svg
            """)

    @Argument(help: ArgumentHelp("The manifest.", valueName: "file"))
    var file: String

    @Option(help: "Output format: table, json or dot (Graphviz).")
    var format: PlanFormat = .table

    @Option(help: ArgumentHelp("A JSON price table overriding the default list prices.", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("The run's output folder, to show which jobs are cached (default: renders/<manifest name>).", valueName: "dir"))
    var out: String?

    func run() async throws {
        let result = ManifestLoader.load(file: file)
        DiagnosticRenderer.printToStderr(result)
        guard result.isValid, let plan = result.plan else { throw Exit.invalidManifest }
        var table = PriceTable.defaults
        if let prices {
            do {
                table = try PriceTable.load(path: prices)
            } catch {
                Terminal.writeStderr("error: cannot read the price table \(prices): \(error.localizedDescription)\n")
                throw Exit.usage
            }
        }
        let base = APISettings.baseURL(flag: nil)
        let cached = CacheStatus.cachedJobs(plan: plan, outDirectory: out ?? "renders/\(plan.name)", origin: APIOrigin.of(base))
        let renderer = PlanRenderer(plan: plan, prices: table, cached: cached)
        switch format {
        case .table: Terminal.writeStdout(renderer.table())
        case .json: Terminal.writeStdout(String(decoding: renderer.json(), as: UTF8.self) + "\n")
        case .dot: Terminal.writeStdout(renderer.dot())
        }
    }
}
