import ArgumentParser
import Foundation
import Logging
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoSupport

struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download the clip of a video id (e.g. one found in the provider's console).",
        discussion: """
            Checks the job's status and, when it is completed, streams its clip to FILE: through a \
            temporary file beside it, checking the byte count and the MP4 signature, then renamed \
            into place. Useful after an ambiguous submission: if the provider did take the job, \
            fetch its clip instead of paying for it again.

            Examples:
              VEO_API_KEY=... veo-pipeline download video_abc123 --output clip.mp4
              veo-pipeline download video_abc123 -o clip.mp4 --base-url http://127.0.0.1:8089
            """)

    @Argument(help: "The video id, e.g. video_abc123.")
    var videoID: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write the MP4.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("API server root (default: $VEO_BASE_URL or the provider's server).", valueName: "url"))
    var baseURL: String?

    func validate() throws {
        guard !videoID.isEmpty, videoID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw ValidationError("'\(videoID)' is not a video id (letters, digits, '_' and '-')")
        }
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let key = env["VEO_API_KEY"], !key.isEmpty else {
            Terminal.writeStderr("error: VEO_API_KEY is not set; export your API key as VEO_API_KEY\n")
            throw Exit.usage
        }
        let base = APISettings.baseURL(flag: baseURL)
        let configuration = VideoAPIClientConfiguration(baseURL: base, apiKey: APIKey(key))
        do {
            let result = try await VideoAPIClient.withClient(configuration: configuration) { client in
                let (video, _) = try await client.retrieve(id: videoID)
                guard video.status == .completed else {
                    throw VideoAPIError(kind: .invalidResponse, message: "video \(videoID) is \(video.status.rawValue), not completed")
                }
                return try await client.download(video, to: output)
            }
            Terminal.writeStdout("\(output): \(result.bytes) bytes, sha256 \(result.sha256)\n")
        } catch {
            Terminal.writeStderr("error: \(FileErrorText.describe(error))\n")
            throw Exit.failed
        }
    }
}
