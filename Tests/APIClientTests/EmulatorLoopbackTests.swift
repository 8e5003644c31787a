import Foundation
import Testing
import VeoEmulator

@testable import VeoClient
import VeoProvider

private let model = VideoModel.fast.rawValue

private func textRequest(_ prompt: String = "A lion at sunset", seconds: ClipSeconds = .six) -> GenerationRequest {
    GenerationRequest(model: .fast, prompt: prompt, seconds: seconds, size: .landscape720)
}

/// Image files with distinct contents, written beside the test's directory.
private func images(_ count: Int, in directory: String) throws -> [String] {
    try (0..<count).map { index in
        let path = "\(directory)/img\(index).png"
        var bytes = [UInt8]([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        bytes += (0..<(1000 + index * 777)).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

@Suite("Client against the emulator over loopback")
struct EmulatorLoopbackTests {
    // MARK: Request forms

    @Test func textToVideoSendsJSON() async throws {
        try await withEmulator { emulator, client, _ in
            let video = try await client.create(textRequest())
            #expect(video.status == .queued)
            let record = await emulator.record()
            #expect(record.createCount == 1)
            let create = try #require(record.creates.first)
            #expect(create.contentType == "json")
            #expect(create.fields["prompt"] == "A lion at sunset")
            #expect(create.fields["seconds"] == "6")
            #expect(create.imageURLs.isEmpty && create.imageSHA256.isEmpty)
        }
    }

    @Test func imageURLsGoInJSONInOrder() async throws {
        try await withEmulator { emulator, client, _ in
            var request = textRequest()
            request.inputs = [
                RequestInput(role: .firstFrame, source: .url("https://example.com/first.jpg")),
                RequestInput(role: .lastFrame, source: .url("https://example.com/last.jpg")),
            ]
            _ = try await client.create(request)
            let create = try #require(await emulator.record().creates.first)
            #expect(create.contentType == "json")
            #expect(create.imageURLs == ["https://example.com/first.jpg", "https://example.com/last.jpg"])
        }
    }

    @Test(arguments: [1, 2, 3])
    func localFilesGoAsMultipartPartsInOrder(count: Int) async throws {
        try await withEmulator { emulator, client, directory in
            let paths = try images(count, in: directory)
            var request = textRequest()
            request.inputs = paths.map { RequestInput(role: .reference, source: .file(path: $0, written: $0)) }
            let video = try await client.create(request, uploads: paths.map { ImageUpload(path: $0, format: .png) })
            #expect(!video.id.isEmpty)
            let create = try #require(await emulator.record().creates.first)
            #expect(create.contentType == "multipart")
            #expect(create.fields["model"] == model && create.fields["size"] == "1280x720")
            #expect(create.imageSHA256 == (try paths.map(sha256Hex(ofFile:))))
        }
    }

    @Test func mixingURLsAndFilesIsRefusedBeforeSending() async throws {
        try await withEmulator { emulator, client, directory in
            var request = textRequest()
            let file = try images(1, in: directory)[0]
            request.inputs = [
                RequestInput(role: .reference, source: .url("https://example.com/a.jpg")),
                RequestInput(role: .reference, source: .file(path: file, written: file)),
            ]
            let error = try await expectAPIError { _ = try await client.create(request, uploads: [ImageUpload(path: file, format: .png)]) }
            #expect(error.kind == .badRequest && error.param == "input_reference")
            #expect(await emulator.record().createAttemptCount == 0)
        }
    }

    @Test func unreadableImageIsABadRequestNotASubmission() async throws {
        try await withEmulator { emulator, client, directory in
            var request = textRequest()
            let missing = directory + "/missing.png"
            request.inputs = [RequestInput(role: .reference, source: .file(path: missing, written: missing))]
            let error = try await expectAPIError { _ = try await client.create(request, uploads: [ImageUpload(path: missing, format: .png)]) }
            #expect(error.kind == .badRequest && error.message.contains("missing.png"))
            #expect(await emulator.record().createAttemptCount == 0)
        }
    }

    // MARK: Errors

    @Test func requestBreakingAProviderRuleIsRefusedBeforeSending() async throws {
        try await withEmulator { emulator, client, _ in
            var request = textRequest()
            request.size = .landscape1080  // 1080p needs 8 seconds
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .badRequest && error.httpStatus == nil)
            #expect(error.param == "size")
            #expect(error.message.contains("needs 8 seconds"))
            #expect("\(error)".contains("(field: size)"))
            #expect(await emulator.record().createAttemptCount == 0)
        }
    }

    @Test func wrongKeyIsUnauthorizedNamingTheVariable() async throws {
        try await withEmulator(adjust: { $0.apiKey = APIKey("sk-wrong-KEY-9876") }) { emulator, client, _ in
            do {
                _ = try await client.create(textRequest())
                Issue.record("expected unauthorized")
            } catch let error as VideoAPIError {
                #expect(error.kind == .unauthorized && error.httpStatus == 401)
                #expect("\(error)".contains("VEO_API_KEY"))
                #expect(!"\(error)".contains("sk-wrong-KEY-9876"))
            }
            let record = await emulator.record()
            #expect(record.createAttemptCount == 1 && record.createCount == 0)
        }
    }

    @Test func unknownVideoIs404() async throws {
        try await withEmulator { emulator, client, _ in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "video_nope") }
            #expect(error.kind == .badRequest && error.httpStatus == 404 && error.code == "video_not_found")
            #expect(await emulator.record().pollCount == 1)
        }
    }

    // MARK: Faults on create

    @Test func rateLimitIsRetriedAfterRetryAfterThenSucceeds() async throws {
        let clock = InstantClock()
        var faults = FaultPlan()
        faults.rateLimitCreates = 2
        faults.retryAfterSeconds = 3
        try await withEmulator(faults: faults, clock: clock) { emulator, client, _ in
            let video = try await client.create(textRequest())
            #expect(video.status == .queued)
            let record = await emulator.record()
            #expect(record.createAttemptCount == 3)
            #expect(record.createCount == 1)
            #expect(clock.sleeps.count == 2 && clock.sleeps.allSatisfy { $0 >= .seconds(3) })
        }
    }

    @Test func rateLimitBeyondBudgetIsRateLimitedWithNoJob() async throws {
        var faults = FaultPlan()
        faults.rateLimitCreates = 100
        try await withEmulator(faults: faults) { emulator, client, _ in
            let error = try await expectAPIError { _ = try await client.create(textRequest()) }
            #expect(error.kind == .rateLimited && error.httpStatus == 429)
            let record = await emulator.record()
            #expect(record.createAttemptCount == RetryPolicy.submit.maxAttempts && record.createCount == 0)
        }
    }

    @Test func unavailableCreateIsRetried() async throws {
        var faults = FaultPlan()
        faults.unavailableCreates = 1
        try await withEmulator(faults: faults) { emulator, client, _ in
            _ = try await client.create(textRequest())
            let record = await emulator.record()
            #expect(record.createAttemptCount == 2 && record.createCount == 1)
        }
    }

    @Test func lostCreateAnswerIsAmbiguousAndNeverResent() async throws {
        var faults = FaultPlan()
        faults.loseCreateResponses = 1
        try await withEmulator(faults: faults) { emulator, client, _ in
            let error = try await expectAPIError { _ = try await client.create(textRequest()) }
            #expect(error.kind == .ambiguousSubmission)
            let record = await emulator.record()
            #expect(record.createAttemptCount == 1)
            #expect(record.createCount == 1)
        }
    }

    // MARK: Polling

    @Test func serverErrorsOnPollsAreRetried() async throws {
        var faults = FaultPlan()
        faults.pollServerErrors = 3
        try await withEmulator(faults: faults) { emulator, client, _ in
            let video = try await client.create(textRequest())
            let (polled, _) = try await client.retrieve(id: video.id)
            #expect(polled.id == video.id)
            #expect(await emulator.record().pollCount == 4)
        }
    }

    @Test func waitsUntilCompletedReportingEveryUpdateThenDownloads() async throws {
        try await withEmulator(renderSeconds: 2, clock: ContinuousClock()) { emulator, client, directory in
            let video = try await client.create(textRequest())
            let updates = UpdateLog()
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(50), timeout: .seconds(20)) {
                await updates.append($0)
            }
            #expect(done.status == .completed)
            let seen = await updates.statuses
            #expect(seen.last == .completed && seen.count >= 2)
            let destination = directory + "/out.mp4"
            let result = try await client.download(done, to: destination)
            #expect(result.bytes == 64 * 1024)
            #expect(result.sha256 == (try sha256Hex(ofFile: directory + "/served.mp4")))
            #expect(try sha256Hex(ofFile: destination) == result.sha256)
            #expect(leftovers(in: directory) == ["out.mp4"])
            #expect(await emulator.record().createCount == 1)
        }
    }

    @Test func nonStandardStatusIsNotFinished() async throws {
        var faults = FaultPlan()
        faults.nonStandardStatus = "processing"
        try await withEmulator(faults: faults, renderSeconds: 2, clock: ContinuousClock()) { _, client, _ in
            let video = try await client.create(textRequest())
            let updates = UpdateLog()
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(30), timeout: .seconds(20)) {
                await updates.append($0)
            }
            #expect(done.status == .completed)
            #expect(await updates.statuses.contains(.unknown("processing")))
        }
    }

    @Test func failedJobThrowsJobFailedWithCode() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["forbidden"]
        faults.failCode = "content_policy"
        try await withEmulator(faults: faults, clock: ContinuousClock()) { emulator, client, _ in
            let video = try await client.create(textRequest("something forbidden"))
            let error = try await expectAPIError {
                _ = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(30), timeout: .seconds(20)) { _ in }
            }
            #expect(error.kind == .jobFailed && error.code == "content_policy")
            #expect(await emulator.record().createCount == 1)
        }
    }

    @Test func deadlineIsMeasuredWithTheInjectedClock() async throws {
        let clock = InstantClock()
        try await withEmulator(renderSeconds: 600, clock: clock) { emulator, client, _ in
            let video = try await client.create(textRequest())
            let error = try await expectAPIError {
                _ = try await client.waitForCompletion(id: video.id, pollInterval: .seconds(10), timeout: .seconds(60)) { _ in }
            }
            #expect(error.kind == .deadlineExceeded)
            // The emulator hints 150 s (renderSeconds * 250 ms), more than our 10 s: the hint wins,
            // and the last sleep is cut to the deadline.
            #expect(clock.sleeps.reduce(.zero, +) == .seconds(60))
            #expect(await emulator.record().createCount == 1)
        }
    }

    @Test func cancellationStopsPollingPromptly() async throws {
        try await withEmulator(renderSeconds: 600, clock: ContinuousClock()) { emulator, client, _ in
            let video = try await client.create(textRequest())
            let task = Task {
                try await client.waitForCompletion(id: video.id, pollInterval: .seconds(30), timeout: .seconds(600)) { _ in }
            }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            task.cancel()
            do {
                _ = try await task.value
                Issue.record("expected cancellation")
            } catch let error as VideoAPIError {
                #expect(error.kind == .cancelled)
            }
            // Far less than the 30 s poll interval; generous for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    // MARK: Download faults

    @Test func truncatedDownloadIsRetriedAloneWithoutANewJob() async throws {
        var faults = FaultPlan()
        faults.truncateDownloads = 1
        try await withEmulator(faults: faults, clock: ContinuousClock()) { emulator, client, directory in
            let video = try await client.create(textRequest())
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(30), timeout: .seconds(20)) { _ in }
            let result = try await client.download(done, to: directory + "/out.mp4")
            #expect(result.bytes == 64 * 1024)
            let record = await emulator.record()
            #expect(record.fileDownloadCount == 2)
            #expect(record.createCount == 1 && record.createAttemptCount == 1)
            #expect(leftovers(in: directory) == ["out.mp4"])
        }
    }

    @Test(arguments: ["truncate", "corrupt", "redirect"])
    func failedDownloadsLeaveNothingAtTheDestination(fault: String) async throws {
        var faults = FaultPlan()
        switch fault {
        case "truncate": faults.truncateDownloads = 100
        case "corrupt": faults.corruptDownloads = 100
        default:
            // The loop is on /content: without a video_url the client goes there first.
            faults.redirectLoopDownloads = 100
            faults.withholdVideoURL = true
        }
        try await withEmulator(faults: faults, clock: ContinuousClock()) { emulator, client, directory in
            let video = try await client.create(textRequest())
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(30), timeout: .seconds(20)) { _ in }
            let destination = directory + "/out.mp4"
            let error = try await expectAPIError { _ = try await client.download(done, to: destination) }
            #expect(error.kind == .download)
            #expect(!FileManager.default.fileExists(atPath: destination))
            #expect(leftovers(in: directory).isEmpty)
            let record = await emulator.record()
            #expect(record.createCount == 1)
            switch fault {
            case "truncate":
                #expect(error.message.contains("truncated"))
                #expect(record.fileDownloadCount == RetryPolicy.download.maxAttempts)
            case "corrupt":
                #expect(error.message.contains("not an MP4"))
            default:
                #expect(error.message.contains("redirect"))
                #expect(record.fileDownloadCount == 0)
            }
        }
    }

    /// Larger than several hash batches (so hashing runs behind the writes with batches queued),
    /// not a multiple of any buffer size, and served by the emulator with sendfile(2).
    @Test func largeDownloadIsByteExactWithTheRightDigest() async throws {
        let size = 13 * 1_048_576 + 12_345  // more than six 2 MiB hash batches
        try await withEmulator(renderSeconds: 0.1, servedFileSize: size, clock: ContinuousClock()) { emulator, client, directory in
            let video = try await client.create(textRequest())
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .milliseconds(30), timeout: .seconds(20)) { _ in }
            let destination = directory + "/out.mp4"
            let result = try await client.download(done, to: destination)
            #expect(result.bytes == Int64(size))
            #expect(result.sha256 == (try sha256Hex(ofFile: directory + "/served.mp4")))
            #expect(try sha256Hex(ofFile: destination) == result.sha256)
            #expect(leftovers(in: directory) == ["out.mp4"])
            let record = await emulator.record()
            #expect(record.requests.filter { $0.kind == .file }.count == 1)
        }
    }

    @Test func diskFullIsAClearErrorAndLeavesNoFile() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        configuration.renderSeconds = 0.1
        configuration.apiKey = testKey
        configuration.serveFile = try makeMP4(in: directory)
        let emulator = Emulator(configuration: configuration)
        let base = try await emulator.start()
        defer { Task { await emulator.stop() } }
        try await VideoAPIClient.withClient(configuration: fastConfiguration(baseURL: base)) { plain in
            let full = VideoAPIClient(
                configuration: plain.configuration, httpClient: plain.httpClient, clock: InstantClock(),
                logger: plain.logger, writeBytes: { _, _ in -Int(ENOSPC) }
            )
            let video = try await plain.create(textRequest())
            let done = try await plain.waitForCompletion(id: video.id, pollInterval: .milliseconds(30), timeout: .seconds(20)) { _ in }
            let destination = directory + "/out.mp4"
            let error = try await expectAPIError { _ = try await full.download(done, to: destination) }
            #expect(error.kind == .download && error.message.contains("No space left on device"))
            #expect(!FileManager.default.fileExists(atPath: destination))
            #expect(leftovers(in: directory).isEmpty)
            // A write failure is not retried.
            #expect(await emulator.record().fileDownloadCount == 1)

            let missing = try await expectAPIError { _ = try await plain.download(done, to: directory + "/no/such/dir/out.mp4") }
            #expect(missing.kind == .download && missing.message.contains("no/such/dir"))
        }
        await emulator.stop()
    }
}

actor UpdateLog {
    var statuses: [VideoStatus] = []
    func append(_ video: VideoObject) { statuses.append(video.status) }
}
