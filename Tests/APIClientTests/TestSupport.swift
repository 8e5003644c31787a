import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VeoEmulator

@testable import VeoClient
import VeoProvider

// MARK: - A clock whose sleeps return at once and advance its time

/// Every `sleep` records its duration, advances `now` to the deadline and returns immediately,
/// so retry and polling logic runs in microseconds while seeing the durations it asked for.
final class InstantClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    var now: Instant { Instant(offset: state.withLock { $0.now }) }
    var minimumResolution: Duration { .nanoseconds(1) }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(max(.zero, deadline.offset - state.now))
            state.now = max(state.now, deadline.offset)
        }
        await Task.yield()
    }
}

// MARK: - Fixtures

let testKey = "sk-test-SECRET-0123456789"

/// A file that starts like an MP4 (`ftyp` at offset 4), then `size` bytes in total.
func makeMP4(size: Int = 64 * 1024, in directory: String) throws -> String {
    var bytes = [UInt8](repeating: 0, count: 4) + Array("ftypisom".utf8)
    bytes[3] = 0x18
    while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: bytes.count &* 31)) }
    let path = directory + "/served.mp4"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

func makeTempDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "veo-api-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func sha256Hex(ofFile path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: out, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

/// Fast policies for tests (the instant clock makes delays free anyway).
func fastConfiguration(baseURL: String, key: String = testKey) -> VideoAPIClientConfiguration {
    var configuration = VideoAPIClientConfiguration(baseURL: baseURL, apiKey: APIKey(key))
    configuration.connectTimeout = .seconds(2)
    configuration.requestTimeout = .seconds(5)
    configuration.minimumPollInterval = .milliseconds(20)
    configuration.random = { 0.5 }
    return configuration
}

/// Runs `body` against a fresh emulator on a free loopback port, with a client using `clock`; the
/// emulator serves an MP4 of `servedFileSize` bytes (`served.mp4` in the directory `body` gets).
func withEmulator<T: Sendable>(
    faults: FaultPlan = FaultPlan(), renderSeconds: Double = 0.2, servedFileSize: Int = 64 * 1024,
    clock: any Clock<Duration> = InstantClock(),
    adjust: (inout VideoAPIClientConfiguration) -> Void = { _ in },
    _ body: (Emulator, VideoAPIClient, String) async throws -> T
) async throws -> T {
    let directory = try makeTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = EmulatorConfiguration()
    configuration.port = 0
    configuration.renderSeconds = renderSeconds
    configuration.apiKey = testKey
    configuration.faults = faults
    configuration.serveFile = try makeMP4(size: servedFileSize, in: directory)
    configuration.storageDirectory = directory + "/storage"
    let emulator = Emulator(configuration: configuration)
    let baseURL = try await emulator.start()
    var clientConfiguration = fastConfiguration(baseURL: baseURL)
    adjust(&clientConfiguration)
    do {
        let result = try await VideoAPIClient.withClient(configuration: clientConfiguration, clock: clock) { client in
            try await body(emulator, client, directory)
        }
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// Expects `body` to throw a `VideoAPIError` and returns it; checks the key is not in its text.
func expectAPIError(
    _ body: () async throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation
) async throws -> VideoAPIError {
    do {
        try await body()
    } catch let error as VideoAPIError {
        #expect(!"\(error)".contains(testKey), sourceLocation: sourceLocation)
        #expect(!String(reflecting: error).contains(testKey), sourceLocation: sourceLocation)
        return error
    }
    Issue.record("expected a VideoAPIError, nothing was thrown", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Files in `directory` other than the served fixture (temp files must never be left behind).
func leftovers(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0 != "served.mp4" && $0 != "storage" && !$0.hasPrefix("img") }
}

// MARK: - A scripted raw HTTP server for what the emulator cannot do

/// What the scripted server does with one request.
enum ScriptedReply: Sendable {
    /// Writes these bytes, then closes the connection.
    case raw(String)
    /// Closes the connection without answering.
    case close
    /// Never answers; keeps the connection open.
    case silence
    /// Writes `head`, then one byte (`{`) every `every` until the client goes away.
    case trickle(head: String, every: Duration)
    /// Writes `head`, then a body of `total` bytes (`prefix`, then zeros) as fast as the client
    /// reads it, in HTTP chunks when `chunked`; closes at the end.
    case stream(head: String, prefix: [UInt8], total: Int, chunked: Bool)
}

/// Answers every request with `reply(requestNumber, requestText)`. Counts requests, keeps their
/// text, and counts the body bytes its streams wrote.
final class ScriptedServer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let server: ScriptedServer.Box
        let received = Mutex("")
        init(server: ScriptedServer.Box) { self.server = server }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let chunk = String(buffer: unwrapInboundIn(data))
            let text = received.withLock { $0 += chunk; return $0 }
            // Answer once the whole request (head and Content-Length body) has arrived.
            guard let headEnd = text.range(of: "\r\n\r\n") else { return }
            let head = text[..<headEnd.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            guard text[headEnd.upperBound...].utf8.count >= length else { return }
            received.withLock { $0 = "" }
            let channel = context.channel
            switch server.next(request: text) {
            case .raw(let reply):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            case .close:
                context.close(promise: nil)
            case .silence:
                break
            case .trickle(let head, let every):
                server.spawn { try await ScriptedServer.trickle(head: head, every: every, on: channel) }
            case .stream(let head, let prefix, let total, let chunked):
                let box = server
                server.spawn {
                    try await ScriptedServer.stream(head: head, prefix: prefix, total: total, chunked: chunked, on: channel, box: box)
                }
            }
        }
    }

    final class Box: Sendable {
        let count = Mutex(0)
        let texts = Mutex<[String]>([])
        let written = Mutex(0)
        let tasks = Mutex<[Task<Void, Never>]>([])
        let children = Mutex<[any Channel]>([])
        let reply: @Sendable (Int, String) -> ScriptedReply
        init(reply: @escaping @Sendable (Int, String) -> ScriptedReply) { self.reply = reply }

        func next(request: String) -> ScriptedReply {
            let number = count.withLock { $0 += 1; return $0 }
            texts.withLock { $0.append(request) }
            return reply(number, request)
        }

        func spawn(_ work: @escaping @Sendable () async throws -> Void) {
            let task = Task {
                do { try await work() } catch {}
            }
            tasks.withLock { $0.append(task) }
        }
    }

    let box: Box

    init(reply: @escaping @Sendable (Int, String) -> ScriptedReply) async throws {
        let box = Box(reply: reply)
        self.box = box
        self.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                box.children.withLock { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(server: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Answers request `n` with `script(n)`: these bytes then close, or close at once when nil.
    convenience init(script: @escaping @Sendable (Int) -> String?) async throws {
        try await self.init(reply: { number, _ in script(number).map(ScriptedReply.raw) ?? .close })
    }

    var requestCount: Int { box.count.withLock { $0 } }
    /// Each request as received (head and body).
    var requests: [String] { box.texts.withLock { $0 } }
    /// Body bytes written by `.stream` replies.
    var bodyBytesWritten: Int { box.written.withLock { $0 } }

    func stop() async {
        for task in box.tasks.withLock({ $0 }) { task.cancel() }
        for child in box.children.withLock({ $0 }) { try? await child.close() }
        try? await channel.close()
    }

    static func trickle(head: String, every: Duration, on channel: any Channel) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: head)).get()
        while !Task.isCancelled {
            try await Task.sleep(for: every)
            try await channel.writeAndFlush(ByteBuffer(string: "{")).get()
        }
    }

    static func stream(head: String, prefix: [UInt8], total: Int, chunked: Bool, on channel: any Channel, box: Box) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: head)).get()
        let zeros = [UInt8](repeating: 0, count: 64 << 10)
        var sent = 0
        while sent < total, !Task.isCancelled {
            var data = sent == 0 ? prefix : []
            data += zeros.prefix(min(zeros.count, total - sent) - data.count)
            var buffer = ByteBuffer()
            if chunked { buffer.writeString(String(data.count, radix: 16) + "\r\n") }
            buffer.writeBytes(data)
            if chunked { buffer.writeString("\r\n") }
            try await channel.writeAndFlush(buffer).get()
            sent += data.count
            box.written.withLock { $0 += data.count }
        }
        if chunked { try await channel.writeAndFlush(ByteBuffer(string: "0\r\n\r\n")).get() }
        try await channel.close()
    }
}

/// A port with nothing listening on it (bound then closed).
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 1
    try await channel.close()
    return port
}

func withScriptedClient<T: Sendable>(
    script: @escaping @Sendable (Int) -> String?, clock: InstantClock = InstantClock(),
    adjust: (inout VideoAPIClientConfiguration) -> Void = { _ in },
    _ body: (ScriptedServer, VideoAPIClient) async throws -> T
) async throws -> T {
    try await withScriptedClient(
        replies: { number, _ in script(number).map(ScriptedReply.raw) ?? .close }, clock: clock, adjust: adjust, body
    )
}

/// Runs `body` against a scripted server answering request `n` (whose text is given) with
/// `replies`; `writeBytes` replaces `write(2)` for downloads when given.
func withScriptedClient<T: Sendable>(
    replies: @escaping @Sendable (Int, String) -> ScriptedReply, clock: InstantClock = InstantClock(),
    adjust: (inout VideoAPIClientConfiguration) -> Void = { _ in },
    writeBytes: (@Sendable (Int32, UnsafeRawBufferPointer) -> Int)? = nil,
    _ body: (ScriptedServer, VideoAPIClient) async throws -> T
) async throws -> T {
    let server = try await ScriptedServer(reply: replies)
    var configuration = fastConfiguration(baseURL: server.baseURL)
    adjust(&configuration)
    do {
        let result = try await VideoAPIClient.withClient(configuration: configuration, clock: clock) { plain in
            let client = writeBytes.map {
                VideoAPIClient(
                    configuration: plain.configuration, httpClient: plain.httpClient, clock: clock, logger: plain.logger, writeBytes: $0
                )
            } ?? plain
            return try await body(server, client)
        }
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Runs `body`, cancelling it and recording an issue when it takes longer than `limit` (a hang
/// fails the test instead of stalling the suite).
func finishing<T: Sendable>(
    within limit: Duration, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("did not finish within \(limit)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return value
    }
}

/// Counts the bytes a download writes (then writes them with `write(2)`).
final class WriteCounter: Sendable {
    private let total = Mutex(0)
    var bytes: Int { total.withLock { $0 } }

    var writeBytes: @Sendable (Int32, UnsafeRawBufferPointer) -> Int {
        { fd, bytes in
            let written = VideoAPIClient.posixWrite(fd, bytes)
            if written > 0 { self.total.withLock { $0 += written } }
            return written
        }
    }
}

/// The start of an MP4 file: `ftyp` at offset 4.
let mp4Start: [UInt8] = [0, 0, 0, 0x18] + Array("ftypisom".utf8) + [0, 0, 0, 0]

func httpResponse(_ status: String, headers: [String] = [], body: String = "") -> String {
    var text = "HTTP/1.1 \(status)\r\n"
    for header in headers { text += header + "\r\n" }
    text += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    return text
}

extension VideoAPIClient {
    /// A create request without uploaded images.
    func create(_ request: GenerationRequest) async throws -> VideoObject {
        try await create(request, uploads: [])
    }
}
