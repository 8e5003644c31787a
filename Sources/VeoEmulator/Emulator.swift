import Foundation
import VeoSupport
package import Hummingbird
import Logging
package import NIOCore

/// A faithful local emulator of the provider's video API: a real HTTP server on 127.0.0.1 that
/// validates like the provider, moves jobs through `queued` → `in_progress` → `completed`, serves
/// real MP4s rendered with ffmpeg, and injects faults on demand.
///
/// ```swift
/// var configuration = EmulatorConfiguration()
/// configuration.port = 0
/// configuration.renderSeconds = 0.3
/// let emulator = Emulator(configuration: configuration)
/// let baseURL = try await emulator.start()   // "http://127.0.0.1:53211"
/// defer { Task { await emulator.stop() } }
/// ```
public actor Emulator {
    public nonisolated let configuration: EmulatorConfiguration
    private let faultInjector: FaultInjector
    private let log = RequestLog()
    private let address = ServerAddress()
    /// The jobs and their storage, from the first start (or test application) until stop.
    private var runtime: Runtime?
    private var serverTask: Task<Void, any Error>?
    private var currentBaseURL: String?

    private struct Runtime {
        var core: EmulatorCore
        /// The storage directory made for this run, removed on stop (none was configured).
        var temporaryDirectory: String?
    }

    public init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
        self.faultInjector = FaultInjector(plan: configuration.faults)
    }

    /// The base URL while running (e.g. `http://127.0.0.1:53211`), else nil.
    public var baseURL: String? { currentBaseURL }

    /// Binds and starts serving; returns the base URL with the actual port. Throws when ffmpeg is
    /// missing (unless ``EmulatorConfiguration/serveFile`` is set) or the port cannot be bound.
    @discardableResult
    public func start() async throws -> String {
        if let currentBaseURL { return currentBaseURL }
        let (ports, portContinuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let app = try await application { channel in
            portContinuation.yield(.success(channel.localAddress?.port ?? 0))
        }
        let task = Task {
            do {
                try await app.runService(gracefulShutdownSignals: [])
                portContinuation.yield(.failure(EmulatorError(description: "the server stopped")))
            } catch {
                portContinuation.yield(.failure(error))
                throw error
            }
        }
        var first: Result<Int, any Error>?
        for await result in ports {
            first = result
            break
        }
        switch first {
        case .success(let port)?:
            serverTask = task
            let url = Self.baseURL(host: configuration.host, port: port)
            currentBaseURL = url
            address.set(url)
            return url
        case .failure(let error)?:
            throw EmulatorError.cannotListen(host: configuration.host, port: configuration.port, error: error)
        case nil:
            task.cancel()
            throw CancellationError()
        }
    }

    /// `http://host:port`, with a wildcard host shown as 127.0.0.1 and an IPv6 host bracketed.
    private static func baseURL(host: String, port: Int) -> String {
        let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        return "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)"
    }

    /// The emulator's HTTP application, not yet running: `start()` runs it on a socket; tests can
    /// also run it in memory (HummingbirdTesting's `.router`). Prepares the jobs on first use.
    package func application(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let core = try await prepare().core
        var logger = Logger(label: "veo-emulator")
        logger.logLevel = .critical
        return Application(
            responder: EmulatorResponder(core: core),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// The storage directory, the clip source and the job book (with the stored jobs taken up), made once.
    private func prepare() async throws -> Runtime {
        if let runtime { return runtime }
        let directory = configuration.storageDirectory ?? NSTemporaryDirectory() + "veo-emulator-" + UUID().uuidString
        let clips = try clipSource(directory: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let jobs = JobBook(
            clips: clips, store: try JobStore(storageDirectory: directory),
            timing: RenderTiming(seconds: configuration.renderSeconds, jitter: configuration.renderJitter),
            seed: configuration.renderSeed)
        try await jobs.resume()
        let core = EmulatorCore(
            jobs: jobs, faults: faultInjector, log: log, address: address, apiKey: configuration.apiKey)
        let runtime = Runtime(
            core: core, temporaryDirectory: configuration.storageDirectory == nil ? directory : nil)
        self.runtime = runtime
        return runtime
    }

    /// The served file, or ffmpeg rendering into `directory`; throws when the file or ffmpeg is missing.
    private func clipSource(directory: String) throws -> ClipSource {
        if let serveFile = configuration.serveFile {
            guard FileManager.default.isReadableFile(atPath: serveFile) else {
                throw EmulatorError(description: "serve file '\(serveFile)' does not exist or is not readable")
            }
            return .serve(file: serveFile)
        }
        guard Executables.locate(configuration.ffmpegPath) != nil else {
            throw EmulatorError.ffmpegMissing(configuration.ffmpegPath)
        }
        return .render(
            ClipRenderer(
                ffmpegPath: configuration.ffmpegPath, directory: directory,
                maxConcurrent: configuration.maxConcurrentRenders))
    }

    /// Stops serving (open connections are closed), drops queued renders (their jobs stay
    /// `in_progress` in the storage directory), waits for those in flight, and removes the
    /// storage directory if it was a temporary one. Idempotent.
    public func stop() async {
        let task = serverTask
        serverTask = nil
        currentBaseURL = nil
        if let task {
            task.cancel()
            _ = await task.result
        }
        guard let runtime else { return }
        self.runtime = nil
        await runtime.core.jobs.stopRenders()
        if let temporaryDirectory = runtime.temporaryDirectory {
            try? FileManager.default.removeItem(atPath: temporaryDirectory)
        }
    }

    /// For the CLI: starts, calls `onStart` with the base URL, and serves until the task is
    /// cancelled or the process receives SIGINT or SIGTERM; then stops.
    public func run(onStart: @Sendable (String) async -> Void = { _ in }) async throws {
        let url = try await start()
        await onStart(url)
        let signals = SignalStream()
        for await _ in signals.stream { break }
        signals.cancel()
        await stop()
    }

    /// A snapshot of every request received (control requests aside) since the emulator was made
    /// or last reset.
    public func record() async -> EmulatorRecord { log.record }

    /// Replaces the fault plan and restarts its counters.
    public func setFaults(_ faults: FaultPlan) async { await faultInjector.setPlan(faults) }

    /// The fault plan in force.
    public func faults() async -> FaultPlan { await faultInjector.plan }

    /// Clears the record and the fault counters (jobs stay).
    public func reset() async {
        log.clear()
        await faultInjector.resetCounters()
    }
}

/// SIGINT and SIGTERM as an async stream (ends when the task is cancelled).
final class SignalStream {
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        self.sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
