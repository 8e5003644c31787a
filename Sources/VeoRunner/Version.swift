/// The tool's version, as `--version` and the run report give it.
public enum VeoVersion { public static let string = "0.2.0" }
