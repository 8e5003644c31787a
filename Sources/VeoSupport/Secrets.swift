/// The environment variables that hold secrets. They are never printed, logged or written, and
/// child processes (ffmpeg, ffprobe) do not inherit them.
public enum Secrets {
    public static let environmentNames = ["VEO_API_KEY", "VEO_CACHE_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
}
