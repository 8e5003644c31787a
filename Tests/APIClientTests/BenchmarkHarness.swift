import Foundation
import Testing
import VeoCore

/// Not a timed test: the download benchmark's client side, run by `scripts/bench-download.sh`
/// (it invokes the test binary with `--filter benchmarkDownload` and `VEO_BENCH_BASE_URL` set).
/// Without that variable the test is disabled.
@Suite("Download benchmark harness")
struct BenchmarkHarness {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VEO_BENCH_BASE_URL"] != nil))
    func benchmarkDownload() async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = try #require(environment["VEO_BENCH_BASE_URL"])
        let output = try #require(environment["VEO_BENCH_OUTPUT"])
        var configuration = VideoAPIClientConfiguration(baseURL: base, apiKey: APIKey(environment["VEO_API_KEY"] ?? "bench"))
        configuration.minimumPollInterval = .milliseconds(50)
        try await VideoAPIClient.withClient(configuration: configuration) { client in
            let video = try await client.create(
                VideoCreateRequest(model: "veo-3.1-fast-generate-preview", prompt: "benchmark", seconds: 8, size: "1280x720")
            )
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(100), timeout: .seconds(60)) { _ in }
            let start = ContinuousClock.now
            let result = try await client.download(done, to: output)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("BENCH bytes=\(result.bytes) seconds=\(seconds) sha256=\(result.sha256)")
        }
    }
}
