import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix

extension HTTPFields {
    static let videoMP4: HTTPFields = [.contentType: "video/mp4"]
}

extension Response {
    /// A 302 to `location`, with no body.
    static func redirect(to location: String) -> Response {
        Response(status: .found, headers: [.location: location, .contentLength: "0"])
    }
}

extension ResponseBody {
    /// The clip sent with sendfile(2), as storage servers and CDNs send files: the kernel moves the
    /// page-cache pages to the socket, so serving costs the emulator almost no CPU (a 500 MiB
    /// download used to keep one core busy with reads and copies, on the machine the client runs on).
    ///
    /// Hummingbird's body writer takes only byte buffers, so the file region is written from the
    /// HTTP encoder's place in the pipeline, after Hummingbird has sent the head (its writer returns
    /// once the head is queued on the event loop, and event-loop tasks run in order). The body is
    /// Content-Length framed, so the raw bytes are the whole body. Without that encoder (another
    /// pipeline, or the in-memory test router) the file is written in 1 MiB chunks instead.
    static func sendfile(_ clip: ClipFile, channel: any Channel) -> ResponseBody {
        ResponseBody(contentLength: clip.size) { writer in
            let sent = try await NonBlockingFileIO(threadPool: .singleton).withFileRegion(_deprecatedPath: clip.path) {
                region in
                try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Bool> in
                    guard let encoder = try? channel.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
                    else {
                        return channel.eventLoop.makeSucceededFuture(false)
                    }
                    let done = channel.eventLoop.makePromise(of: Void.self)
                    encoder.writeAndFlush(NIOAny(IOData.fileRegion(region)), promise: done)
                    return done.futureResult.map { true }
                }.get()
            }
            if !sent {
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: clip.path))
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
            }
            try await writer.finish(nil)
        }
    }

    /// The full `Content-Length` of the clip, but only its first half (at most 256 KiB) before
    /// the connection is closed (``FaultPlan/truncateDownloads``).
    static func truncated(_ clip: ClipFile, channel: any Channel) -> ResponseBody {
        ResponseBody(contentLength: clip.size) { writer in
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: clip.path))
            let head = try handle.read(upToCount: min(clip.size / 2, 256 * 1024)) ?? Data()
            try? handle.close()
            try await writer.write(ByteBuffer(bytes: head))
            try? await channel.close()
            throw DroppedOnPurpose()
        }
    }
}
