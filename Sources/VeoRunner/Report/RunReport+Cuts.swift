import VeoManifest

extension RunReport {
    /// One cut as it ended: `cuts[]` in the report.
    public struct CutEntry: Codable, Sendable {
        /// A clip of the cut: its job, the sha256 of the clip used, in and out points and the fade into it.
        public struct Clip: Codable, Sendable {
            public var job: String
            public var sha256: String?
            public var start: Double
            public var end: Double?
            public var fadeSeconds: Double

            enum CodingKeys: String, CodingKey {
                case job, sha256, start, end
                case fadeSeconds = "fade_seconds"
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(job, forKey: .job)
                try c.encode(sha256, forKey: .sha256)
                try c.encode(start, forKey: .start)
                try c.encode(end, forKey: .end)
                try c.encode(fadeSeconds, forKey: .fadeSeconds)
            }
        }

        public var id: String
        public var line: Int
        public var column: Int
        public var status: String
        public var cached: Bool
        public var cacheKey: String?
        /// The size and rate asked for.
        public var width: Int
        public var height: Int
        public var fps: Int
        /// The planned length from the clips' requested seconds.
        public var plannedSeconds: Double
        public var output: CutOutcome.Output?
        public var clips: [Clip]
        public var encodeSeconds: Double?
        public var error: String?
        public var skippedBecause: String?

        enum CodingKeys: String, CodingKey {
            case id, line, column, status, cached, width, height, fps, output, clips, error
            case cacheKey = "cache_key"
            case plannedSeconds = "planned_seconds"
            case encodeSeconds = "encode_seconds"
            case skippedBecause = "skipped_because"
        }

        init(_ o: CutOutcome) {
            id = o.cut.id
            line = o.cut.position.line
            column = o.cut.position.column
            status = o.status.rawValue
            cached = o.cached
            cacheKey = o.key
            width = o.cut.size.width
            height = o.cut.size.height
            fps = o.cut.fps
            plannedSeconds = (o.cut.plannedSeconds * 1000).rounded() / 1000
            output = o.output
            clips = zip(o.cut.clips, o.clips).map { planned, used in
                Clip(job: planned.job, sha256: used.sha256, start: planned.start, end: planned.end, fadeSeconds: planned.fade)
            }
            encodeSeconds = o.encodeSeconds.map { ($0 * 1000).rounded() / 1000 }
            error = o.failure
            skippedBecause = o.skip?.reason
        }

        // Nulls are written out, so every key is always present.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(line, forKey: .line)
            try c.encode(column, forKey: .column)
            try c.encode(status, forKey: .status)
            try c.encode(cached, forKey: .cached)
            try c.encode(cacheKey, forKey: .cacheKey)
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
            try c.encode(fps, forKey: .fps)
            try c.encode(plannedSeconds, forKey: .plannedSeconds)
            try c.encode(output, forKey: .output)
            try c.encode(clips, forKey: .clips)
            try c.encode(encodeSeconds, forKey: .encodeSeconds)
            try c.encode(error, forKey: .error)
            try c.encode(skippedBecause, forKey: .skippedBecause)
        }
    }
}
