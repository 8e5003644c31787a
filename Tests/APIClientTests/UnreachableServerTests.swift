import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import VeoClient

@Suite("Failures to connect, in words")
struct UnreachableServerTests {
    private static let rawFragments = ["errno", "NIO", "HTTPClientError", "error set", "IOError", "Optional("]

    @Test func aRefusedPollAndDownloadSayCannotConnect() async throws {
        let port = try await closedPort()
        var configuration = fastConfiguration(baseURL: "http://127.0.0.1:\(port)")
        configuration.pollRetry = RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), maxDelay: .seconds(1))
        configuration.downloadRetry = configuration.pollRetry
        try await VideoAPIClient.withClient(configuration: configuration, clock: InstantClock()) { client in
            let polled = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            let downloaded = try await expectAPIError {
                _ = try await client.download(VideoObject(id: "video_1", status: .completed), to: NSTemporaryDirectory() + "x.mp4")
            }
            for error in [polled, downloaded] {
                #expect(error.kind == .unreachable)
                #expect("\(error)" == "cannot connect to http://127.0.0.1:\(port): connection refused (gave up after 2 attempts)")
            }
        }
    }

    /// A host name goes through NIO's happy-eyeballs connector, whose error wraps one per address.
    @Test func aRefusedConnectionToAHostNameSaysCannotConnect() async throws {
        let port = try await closedPort()
        var configuration = fastConfiguration(baseURL: "http://localhost:\(port)")
        configuration.pollRetry = RetryPolicy(maxAttempts: 1, initialDelay: .seconds(1), maxDelay: .seconds(1))
        try await VideoAPIClient.withClient(configuration: configuration, clock: InstantClock()) { client in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            #expect(error.kind == .unreachable)
            #expect("\(error)" == "cannot connect to http://localhost:\(port): connection refused")
        }
    }

    @Test(arguments: [
        (IOError(errnoCode: ECONNREFUSED, reason: "connection reset (error set)") as any Error, TransportProblem.connect("connection refused")),
        (HTTPClientError.connectTimeout, .connect("connect timed out after 2 s")),
        (ChannelError.connectTimeout(.seconds(2)), .connect("connect timed out after 2 s")),
        (HTTPClientError.remoteConnectionClosed, .broken("the server closed the connection")),
        (IOError(errnoCode: ECONNRESET, reason: "read"), .broken("the server reset the connection")),
        (TransferTimedOut(limit: .idle, duration: .milliseconds(1500)), .broken("nothing came for 1.5 s")),
        (CancellationError(), .cancelled),
        (URLError(.badServerResponse), .broken("the connection failed")),
    ])
    func transportErrorsAreSaidInWords(error: any Error, expected: TransportProblem) {
        let problem = TransportProblem.of(error, connectTimeout: .seconds(2))
        #expect(problem == expected)
        #expect(!Self.rawFragments.contains { problem.reason.contains($0) })
    }

    @Test func aHappyEyeballsErrorIsReadThroughItsFields() async throws {
        let port = try await closedPort()
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "localhost", port: port).get()
            try await channel.close()
            Issue.record("connected to a closed port")
        } catch {
            #expect(String(reflecting: type(of: error)).hasSuffix("NIOConnectionError"))
            #expect(TransportProblem.of(error, connectTimeout: .seconds(2)) == .connect("connection refused"))
        }
    }
}
