// The provider's catalogue: its models, sizes, clip lengths and list prices. On the client side this
// is the only file that writes their names and numbers; everything else uses these types. (The
// emulator keeps its own reading of the provider's page, and a test proves the two agree.)

/// The two models the provider serves.
public enum VideoModel: String, Sendable, Hashable, CaseIterable, Codable {
    /// Final quality.
    case standard = "veo-3.1-generate-preview"
    /// Cheaper and faster, for previews.
    case fast = "veo-3.1-fast-generate-preview"

    /// What the provider renders when a request names no model.
    public static let `default` = VideoModel.fast

    /// "standard" or "fast", for tables.
    public var shortName: String {
        switch self {
        case .standard: "standard"
        case .fast: "fast"
        }
    }
}

/// The four output sizes the provider accepts.
public enum VideoSize: String, Sendable, Hashable, CaseIterable, Codable {
    case landscape720 = "1280x720"
    case portrait720 = "720x1280"
    case landscape1080 = "1920x1080"
    case portrait1080 = "1080x1920"

    /// What the provider renders when a request names no size.
    public static let `default` = VideoSize.landscape720

    public var width: Int {
        switch self {
        case .landscape720: 1280
        case .portrait720: 720
        case .landscape1080: 1920
        case .portrait1080: 1080
        }
    }

    public var height: Int {
        switch self {
        case .landscape720: 720
        case .portrait720: 1280
        case .landscape1080: 1080
        case .portrait1080: 1920
        }
    }

    public var resolution: Resolution { width == 1920 || height == 1920 ? .p1080 : .p720 }

    /// 1080p sizes are only offered with 8-second clips.
    public var is1080p: Bool { resolution == .p1080 }

    public var isPortrait: Bool { height > width }

    /// "16:9" or "9:16".
    public var aspectName: String { isPortrait ? "9:16" : "16:9" }
}

/// The resolutions prices are quoted for.
public enum Resolution: String, Sendable, Hashable, CaseIterable, Codable {
    case p720 = "720p"
    case p1080 = "1080p"
}

/// The clip lengths the provider renders, in seconds.
public enum ClipSeconds: Int, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case four = 4
    case six = 6
    case eight = 8

    /// What the provider renders when a request names no length.
    public static let `default` = ClipSeconds.six

    /// The length 1080p sizes require.
    public static let fullHD = ClipSeconds.eight

    public static func < (lhs: ClipSeconds, rhs: ClipSeconds) -> Bool { lhs.rawValue < rhs.rawValue }

    /// "4, 6 or 8".
    public static var spelledOut: String {
        let all = allCases.map { String($0.rawValue) }
        return all.dropLast().joined(separator: ", ") + " or " + all.last!
    }
}

/// Limits of one create request.
public enum ProviderLimits {
    /// `input_reference` takes 1 to this many reference images.
    public static let maxReferenceImages = 3
    /// The largest image file uploaded as an `input_reference` part (the same limit for `validate`,
    /// `plan` and `run`).
    public static let maxImageBytes = 50 * 1024 * 1024
}

/// Public list prices, in USD per generated second (they change often: anything computed from
/// them is an estimate).
public enum ListPrices {
    public static let currency = "USD"

    public static func usdPerSecond(_ model: VideoModel, _ resolution: Resolution) -> Double {
        switch (model, resolution) {
        case (.standard, _): 0.40
        case (.fast, .p720): 0.10
        case (.fast, .p1080): 0.12
        }
    }
}
