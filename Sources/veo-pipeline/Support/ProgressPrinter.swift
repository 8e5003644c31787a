import Foundation
import Synchronization
import VeoClient
import VeoManifest
import VeoProvider
import VeoReport
import VeoRunner
import VeoSupport

/// Shows a run to a person or a log.
/// - On a terminal: a live line per running job with its progress, redrawn in place.
/// - Not a terminal, or CI=true: plain timestamped lines, one per state change.
/// - Quiet: errors only (the summary is printed by the caller).
final class ProgressPrinter: Sendable {
    enum Mode {
        case live
        case plain
        case quiet
    }

    private struct State {
        var running: [String: String] = [:]  // job → status text
        var order: [String] = []
        var drawnLines = 0
    }

    private let mode: Mode
    private let color: Bool
    private let state = Mutex(State())

    init(quiet: Bool) {
        let env = ProcessInfo.processInfo.environment
        if quiet {
            mode = .quiet
        } else if Terminal.stdoutIsTerminal && env["CI"] != "true" && env["TERM"] != "dumb" {
            mode = .live
        } else {
            mode = .plain
        }
        color = mode == .live && Terminal.useColor(forStderr: false)
    }

    /// Every id, path, status and message in an event may come from a manifest or a server: it is
    /// escaped before it reaches the terminal.
    func handle(_ event: RunEvent) {
        switch event.escaped {
        case .started(let job):
            update(job, "resolving inputs", line: nil)
        case .cached(let job, let path):
            finish(job, line: "\(paint("cached", "36"))    \(job) → \(path)")
        case .submitted(let job, let id, let resumed):
            update(job, resumed ? "resumed \(id)" : "submitted \(id)", line: "\(resumed ? "resumed" : "submitted") \(job) as \(id)")
        case .progress(let job, let status, let percent):
            let text = percent.map { "\(status) \(Int($0))%" } ?? status
            update(job, text, line: mode == .plain ? nil : "")
        case .downloading(let job):
            update(job, "downloading", line: "downloading \(job)")
        case .succeeded(let job, let path, let seconds):
            let took = seconds.map { String(format: " (rendered in %.0f s)", $0) } ?? ""
            finish(job, line: "\(paint("done", "32"))      \(job) → \(path)\(took)")
        case .failed(let job, let message):
            finish(job, line: "\(paint("FAILED", "31"))    \(job): \(message)", isError: true)
        case .skipped(let job, let reason):
            finish(job, line: "\(paint("skipped", "33"))   \(job): \(reason)")
        case .warning(let text):
            Terminal.writeStderr("warning: \(text)\n")
        case .cutting(let cut):
            update("cut " + cut, "cutting", line: "cutting \(cut)")
        case .cutDone(let cut, let path, let cached, let seconds):
            let took = seconds.map { String(format: " (encoded in %.1f s)", $0) } ?? ""
            finish("cut " + cut, line: "\(paint(cached ? "cached" : "done", cached ? "36" : "32"))\(cached ? "    " : "      ")cut \(cut) → \(path)\(took)")
        case .cutFailed(let cut, let message):
            finish("cut " + cut, line: "\(paint("FAILED", "31"))    cut \(cut): \(message)", isError: true)
        case .cutSkipped(let cut, let reason):
            finish("cut " + cut, line: "\(paint("skipped", "33"))   cut \(cut): \(reason)")
        case .clipReady:
            break  // for the views (their stills), nothing to show
        }
    }

    private func update(_ job: String, _ status: String, line: String?) {
        state.withLock { s in
            if s.running[job] == nil { s.order.append(job) }
            s.running[job] = status
            switch mode {
            case .live: redraw(&s, printing: nil)
            case .plain: if let line, !line.isEmpty { emit(line) }
            case .quiet: break
            }
        }
    }

    private func finish(_ job: String, line: String, isError: Bool = false) {
        state.withLock { s in
            s.running[job] = nil
            s.order.removeAll { $0 == job }
            switch mode {
            case .live: redraw(&s, printing: line)
            case .plain: emit(line, isError: isError)
            case .quiet: if isError { Terminal.writeStderr(line + "\n") }
            }
        }
    }

    /// Erases the live block, prints a finished line above it, draws the running jobs again.
    private func redraw(_ s: inout State, printing line: String?) {
        var out = ""
        if s.drawnLines > 0 { out += "\u{1B}[\(s.drawnLines)F\u{1B}[J" }
        if let line { out += line + "\n" }
        for job in s.order {
            out += "  \(paint("⋯", "2")) \(job): \(s.running[job] ?? "")\n"
        }
        s.drawnLines = s.order.count
        Terminal.writeStdout(out)
    }

    private func emit(_ line: String, isError: Bool = false) {
        let text = "\(Self.stamp(Date())) \(line)\n"
        if isError { Terminal.writeStderr(text) } else { Terminal.writeStdout(text) }
    }

    /// `2026-11-25T10:00:00Z`, as `ISO8601DateFormatter` writes it, without making one per line
    /// (a formatter per line was 7 % of a 1,000-clip restore's CPU time).
    static func stamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The closing table: one line per job, then totals.
    static func summary(_ result: RunResult, out: String, cost: RunReport.CostSummary? = nil, emulated: Bool = false) -> String {
        var rows = [["JOB", "STATUS", "OUTPUT / REASON"]]
        for o in result.outcomes {
            let status = o.cached ? "cached" : o.status.rawValue
            let detail: String
            switch o.status {
            case .succeeded: detail = o.output?.path ?? ""
            case .failed: detail = o.failure.map { "\($0.code.rawValue)\($0.providerCode.map { " (\($0))" } ?? ""): \($0.message)" } ?? ""
            case .skipped: detail = o.skip?.reason ?? ""
            }
            rows.append([o.job.id, status, TerminalText.escaped(detail)])
        }
        for c in result.cuts {
            let detail = c.output?.path ?? c.failure ?? c.skip?.reason ?? ""
            rows.append(["cut " + TerminalText.escaped(c.cut.id), c.cached ? "cached" : c.status.rawValue, TerminalText.escaped(detail)])
        }
        let w0 = rows.map { $0[0].count }.max() ?? 0
        let w1 = rows.map { $0[1].count }.max() ?? 0
        var text = "\n"
        for r in rows {
            text += r[0].padding(toLength: w0 + 2, withPad: " ", startingAt: 0) + r[1].padding(toLength: w1 + 2, withPad: " ", startingAt: 0) + r[2] + "\n"
        }
        let succeeded = result.outcomes.count { $0.status == .succeeded }
        let failed = result.outcomes.count { $0.status == .failed }
        let skipped = result.outcomes.count { $0.status == .skipped }
        let cached = result.outcomes.count { $0.cached }
        text += "\nRun \(result.status.rawValue): \(succeeded) succeeded (\(cached) cached), \(failed) failed, \(skipped) skipped"
        if !result.cuts.isEmpty {
            let made = result.cuts.count { $0.status == .succeeded }
            text += "; \(made) of \(result.cuts.count) cut\(result.cuts.count == 1 ? "" : "s") made (\(result.cuts.count { $0.cached }) from the store)"
        }
        text += ". "
        text += "Report: \(out)/report.json\n"
        if let cost { text += moneyLine(cost, emulated: emulated) }
        return text
    }

    /// `Cost (estimate): …`: what this run committed, the folder in total, the cache's savings, the budget left.
    static func moneyLine(_ c: RunReport.CostSummary, emulated: Bool) -> String {
        func money(_ v: Double) -> String { String(format: "%.2f %@", v, c.currency) }
        var line = "Cost (estimate): \(money(c.spentUSD)) committed by this run, \(money(c.spentTotalUSD)) in this folder; the cache saved \(money(c.savedByCacheUSD))"
        if let left = c.remainingUSD { line += "; budget left \(money(left))" }
        return line + (emulated ? " (emulated: at list prices, nothing was paid).\n" : ".\n")
    }
}

extension RunEvent {
    /// The event with every text escaped for a terminal (`TerminalText`).
    var escaped: RunEvent {
        let e = TerminalText.escaped
        return switch self {
        case .started(let job): .started(job: e(job))
        case .cached(let job, let path): .cached(job: e(job), path: e(path))
        case .submitted(let job, let id, let resumed): .submitted(job: e(job), videoID: e(id), resumed: resumed)
        case .progress(let job, let status, let percent): .progress(job: e(job), status: e(status), percent: percent)
        case .downloading(let job): .downloading(job: e(job))
        case .succeeded(let job, let path, let seconds): .succeeded(job: e(job), path: e(path), seconds: seconds)
        case .clipReady(let job, let path, let sha256, let seconds): .clipReady(job: e(job), path: e(path), sha256: e(sha256), seconds: seconds)
        case .failed(let job, let message): .failed(job: e(job), message: e(message))
        case .skipped(let job, let reason): .skipped(job: e(job), reason: e(reason))
        case .warning(let text): .warning(e(text))
        case .cutting(let cut): .cutting(cut: e(cut))
        case .cutDone(let cut, let path, let cached, let seconds): .cutDone(cut: e(cut), path: e(path), cached: cached, seconds: seconds)
        case .cutFailed(let cut, let message): .cutFailed(cut: e(cut), message: e(message))
        case .cutSkipped(let cut, let reason): .cutSkipped(cut: e(cut), reason: e(reason))
        }
    }
}
