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

            public init(job: String, sha256: String?, start: Double, end: Double?, fadeSeconds: Double) {
                (self.job, self.sha256, self.start, self.end, self.fadeSeconds) = (job, sha256, start, end, fadeSeconds)
            }

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

        /// The encoded cut as verified: where it is (relative to the output folder) and what it is.
        public struct Output: Sendable, Hashable, Codable {
            public var path: String
            public var bytes: Int64
            public var sha256: String
            public var duration: Double
            public var width: Int
            public var height: Int
            public var fps: Int

            public init(path: String, bytes: Int64, sha256: String, duration: Double, width: Int, height: Int, fps: Int) {
                (self.path, self.bytes, self.sha256, self.duration) = (path, bytes, sha256, duration)
                (self.width, self.height, self.fps) = (width, height, fps)
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
        public var output: Output?
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

        public init(
            id: String, line: Int, column: Int, status: String, cached: Bool, cacheKey: String?, width: Int, height: Int, fps: Int,
            plannedSeconds: Double, output: Output?, clips: [Clip], encodeSeconds: Double?, error: String?, skippedBecause: String?
        ) {
            (self.id, self.line, self.column, self.status, self.cached, self.cacheKey) = (id, line, column, status, cached, cacheKey)
            (self.width, self.height, self.fps, self.plannedSeconds, self.output, self.clips) = (width, height, fps, plannedSeconds, output, clips)
            (self.encodeSeconds, self.error, self.skippedBecause) = (encodeSeconds, error, skippedBecause)
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
