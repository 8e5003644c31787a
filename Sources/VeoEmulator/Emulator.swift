import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

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
    private let state: EmulatorState
    private let renderTasks = RenderTasks()
    private var serverTask: Task<Void, any Error>?
    private var currentBaseURL: String?
    private var temporaryDirectory: String?

    public init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
        self.state = EmulatorState(renderSeconds: max(0, configuration.renderSeconds), faults: configuration.faults)
    }

    /// The base URL while running (e.g. `http://127.0.0.1:53211`), else nil.
    public var baseURL: String? { currentBaseURL }

    /// Binds and starts serving; returns the base URL with the actual port. Throws when ffmpeg is
    /// missing (unless ``EmulatorConfiguration/serveFile`` is set) or the port cannot be bound.
    @discardableResult
    public func start() async throws -> String {
        if let currentBaseURL { return currentBaseURL }
        let renderer: ClipRenderer?
        if let serveFile = configuration.serveFile {
            guard FileManager.default.isReadableFile(atPath: serveFile) else {
                throw EmulatorError(description: "serve file '\(serveFile)' does not exist or is not readable")
            }
            renderer = nil
        } else {
            guard ClipRenderer.resolve(configuration.ffmpegPath) != nil else {
                throw EmulatorError.ffmpegMissing(configuration.ffmpegPath)
            }
            let directory: String
            if let storage = configuration.storageDirectory {
                directory = storage
            } else {
                directory = NSTemporaryDirectory() + "veo-emulator-" + UUID().uuidString
                temporaryDirectory = directory
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            renderer = ClipRenderer(
                ffmpegPath: configuration.ffmpegPath, directory: directory,
                maxConcurrent: configuration.maxConcurrentRenders)
        }
        let responder = EmulatorResponder(
            state: state, renderer: renderer, serveFile: configuration.serveFile, apiKey: configuration.apiKey,
            renderSeconds: max(0, configuration.renderSeconds), renderTasks: renderTasks)
        var logger = Logger(label: "veo-emulator")
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                portContinuation.yield(.success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )
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
            let host = configuration.host == "0.0.0.0" || configuration.host == "::" ? "127.0.0.1" : configuration.host
            let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            currentBaseURL = url
            await state.setBaseURL(url)
            return url
        case .failure(let error)?:
            throw EmulatorError(
                description: "could not listen on \(configuration.host):\(configuration.port): \(error)")
        case nil:
            task.cancel()
            throw CancellationError()
        }
    }

    /// Stops serving (open connections are closed), drops queued renders, waits for those in
    /// flight, and removes the temporary clip directory. Idempotent.
    public func stop() async {
        guard let task = serverTask else { return }
        serverTask = nil
        currentBaseURL = nil
        task.cancel()
        _ = await task.result
        await renderTasks.waitAll()
        if let temporaryDirectory {
            try? FileManager.default.removeItem(atPath: temporaryDirectory)
            self.temporaryDirectory = nil
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

    /// A snapshot of every request received since start or the last reset.
    public func record() async -> EmulatorRecord { await state.record }

    /// Replaces the fault plan and restarts its counters.
    public func setFaults(_ faults: FaultPlan) async { await state.setFaults(faults) }

    /// The fault plan in force.
    public func faults() async -> FaultPlan { await state.faults }

    /// Clears the record and the fault counters (jobs stay).
    public func reset() async { await state.reset() }
}

/// The render tasks in flight, so that `stop()` can wait for them.
final class RenderTasks: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    func add(_ task: Task<Void, Never>) {
        tasks.withLock { $0.removeAll { $0.isCancelled }; $0.append(task) }
    }

    /// Cancels the renders not yet started and waits for the ones in flight.
    func waitAll() async {
        let all = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in all { task.cancel() }
        for task in all { await task.value }
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
