import Foundation
import VeoMedia
import VeoReport
import VeoRunner
import VeoSupport
import VeoViews

extension Workspace {
    /// `report.json`, then the contact sheet made from it (`index.html`); neither stops the other.
    func writeReport(
        _ result: RunResult, run: RunSettings, baseURL: String?, media: MediaTools, notStartedBecause: String? = nil,
        notice: @Sendable (Notice) -> Void
    ) async -> RunReport {
        let manifestSHA = (try? FileHash.sha256(ofFile: settings.manifestPath)) ?? ""
        let emulator = settings.emulate ? RunReport.EmulatorInfo(renderSeconds: run.emulatorRenderSeconds, stateDirectory: ".emulator") : nil
        var report = RunReport(
            result: result, plan: plan, manifestSHA256: manifestSHA, baseURL: baseURL, emulator: emulator, prices: prices, budget: budget)
        report.notStartedBecause = notStartedBecause
        do {
            try report.write(to: layout.reportPath)
        } catch {
            notice(.error("cannot write the report \(layout.reportPath): \(FileErrorText.reason(error))"))
        }
        do {
            try await RunViews.writeContactSheet(
                report: report, outDirectory: outDirectory, imageFiles: Self.imageFiles(of: result), media: media,
                concurrency: run.concurrency)
        } catch {
            notice(.error("cannot write the contact sheet: \(FileErrorText.describe(error))"))
        }
        return report
    }

    /// The input files a run read, by sha256, for the contact sheet's thumbnails.
    static func imageFiles(of result: RunResult) -> [String: String] {
        var files: [String: String] = [:]
        for input in result.outcomes.flatMap(\.inputs) {
            if case .file(let path, _) = input.source, let sha = input.sha256 { files[sha] = path }
        }
        return files
    }

    /// The report of a run refused before it started (over budget): every job `not started`, the
    /// money figures as the budget stands, and why, so CI has a report, a page, JUnit and a summary to publish.
    func notStartedReport(
        _ forecast: RunForecast, refusal: OverBudget, run: RunSettings, media: MediaTools, notice: @Sendable (Notice) -> Void
    ) async -> RunReport {
        let result = forecast.notStartedResult(because: "not started: the run's estimate did not fit the budget", at: Date())
        return await writeReport(
            result, run: run, baseURL: settings.emulate ? nil : baseURL, media: media, notStartedBecause: refusal.description, notice: notice)
    }
}
