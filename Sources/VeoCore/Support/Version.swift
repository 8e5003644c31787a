public enum VeoCoreVersion { public static let string = "0.1.0" }
