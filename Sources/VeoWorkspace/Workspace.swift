public import Foundation
public import VeoManifest
public import VeoReport
public import VeoRunner
import VeoCache
import VeoClient
import VeoSupport

/// A manifest and its output folder, with every default resolved once: the folder
/// (`renders/<name>`, or `renders/<name>-emulated`), the server and the origin its clips are
/// recorded against, the price table (`--prices`, else the manifest's `prices:`, else list
/// prices), the budget (`--max-cost` and the manifest's `budget:`), the shared cache. `plan`
/// prints its ``forecast(onNotice:)``; `run` calls ``run(_:hooks:)``, which starts from the same
/// forecast. The command line only turns flags into ``Settings`` and the outcome into text and an
/// exit status.
public struct Workspace: Sendable {
    /// What the caller asks for; nil or empty values take the defaults.
    public struct Settings: Sendable {
        public var manifestPath: String
        /// `--out`.
        public var out: String?
        /// `--base-url`; else `VEO_BASE_URL`, else the provider's server.
        public var baseURL: String?
        /// Run against the bundled emulator (`--emulate`): its clips count for it alone.
        public var emulate = false
        /// `--prices`.
        public var pricesFile: String?
        /// `--max-cost`, this run's limit.
        public var maxCost: Double?
        /// `--only`, `--force`, `--resubmit-ambiguous`, `--render-what-fits`.
        public var only: [String] = []
        public var force = false
        public var resubmitAmbiguous = false
        public var renderWhatFits = false
        /// `--cache`, else `VEO_CACHE`; `--cache-read-only`, `--cache-optional`.
        public var cache: String?
        public var cacheReadOnly = false
        public var cacheOptional = false
        public var environment: [String: String]

        public init(manifestPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.manifestPath = manifestPath
            self.environment = environment
        }
    }

    /// Something to tell the user that is not the result.
    public enum Notice: Sendable, Hashable {
        /// Said as it is.
        case info(String)
        case note(String)
        case warning(String)
        case error(String)
    }

    public let settings: Settings
    /// The manifest as loaded, with its diagnostics.
    public let loaded: ManifestLoadResult
    public let plan: Plan
    /// The output folder as given (or the default), as messages name it.
    public let outDirectory: String
    /// The API server (unused with `emulate`).
    public let baseURL: String
    /// What the folder's journal records clips against: `emulator`, or the server's scheme://host:port.
    public let origin: String
    public let prices: PriceTable
    public let budget: BudgetLimits

    public var manifest: Manifest? { loaded.manifest }
    public var layout: OutputLayout { OutputLayout(root: outDirectory) }

    /// Loads the manifest (its diagnostics are the caller's to print).
    public static func load(_ manifestPath: String) -> ManifestLoadResult {
        ManifestLoader.load(file: manifestPath)
    }

    /// Resolves the defaults for a loaded manifest. Throws ``WorkspaceError/invalidManifest`` when
    /// it has errors, ``WorkspaceError/usage(_:)`` when `--only` names nothing or the price file is unusable.
    public init(_ settings: Settings, loaded: ManifestLoadResult) throws(WorkspaceError) {
        guard loaded.isValid, let plan = loaded.plan else { throw .invalidManifest }
        let unknown = settings.only.filter { name in !plan.jobs.contains { $0.id == name || $0.shot == name } && plan.cut(name) == nil }
        if !unknown.isEmpty {
            let names = plan.jobs.map(\.id) + plan.cuts.map(\.id)
            let hint = unknown.count == 1 ? Suggest.didYouMean(unknown[0], names) : ""
            throw .usage(["error: --only names no job, shot or cut: \(unknown.joined(separator: ", "))\(hint)"])
        }
        self.settings = settings
        self.loaded = loaded
        self.plan = plan
        outDirectory = settings.out ?? (settings.emulate ? "renders/\(plan.name)-emulated" : "renders/\(plan.name)")
        baseURL = Self.baseURL(flag: settings.baseURL, environment: settings.environment)
        origin = settings.emulate ? RunOptions.emulatorOrigin : APIOrigin.of(baseURL)
        prices = try Self.prices(file: settings.pricesFile, manifest: loaded.manifest)
        budget = Self.limits(maxCost: settings.maxCost, manifest: loaded.manifest)
    }

    /// The API server: the flag, else VEO_BASE_URL (when not empty), else the provider's server.
    public static func baseURL(flag: String?, environment: [String: String]) -> String {
        if let flag { return flag }
        if let env = environment["VEO_BASE_URL"], !env.isEmpty { return env }
        return VideoAPIClientConfiguration.defaultBaseURL
    }

    /// The shared cache, checked (reachable, credentials taken) before anything is paid for; nil
    /// when none is set, or when it cannot be used and `--cache-optional` allows going on without it.
    public func openSharedCache(_ notice: @Sendable (Notice) -> Void) async throws(WorkspaceError) -> SharedCacheOptions? {
        guard let url = settings.cache ?? settings.environment["VEO_CACHE"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        do {
            let remote = try CacheLocation.open(url, environment: settings.environment)
            try await remote.check()
            var options = SharedCacheOptions(cache: remote)
            options.readOnly = settings.cacheReadOnly
            options.optional = settings.cacheOptional
            return options
        } catch let error as CacheError {
            guard settings.cacheOptional else { throw .failed("\(error)") }
            notice(.warning("\(error); running with the local cache only (--cache-optional)"))
            return nil
        } catch {
            throw .failed(FileErrorText.describe(error))
        }
    }

    /// What a run would do here: see ``RunForecast``. Opens the shared cache when one is set.
    public func forecast(onNotice notice: @escaping @Sendable (Notice) -> Void) async throws(WorkspaceError) -> RunForecast {
        try await forecast(shared: try await openSharedCache(notice))
    }

    func forecast(shared: SharedCacheOptions?) async throws(WorkspaceError) -> RunForecast {
        var scope = RunForecast.Scope()
        (scope.only, scope.force, scope.resubmitAmbiguous) = (settings.only, settings.force, settings.resubmitAmbiguous)
        (scope.renderWhatFits, scope.budget, scope.prices) = (settings.renderWhatFits, budget, prices)
        (scope.origin, scope.sharedCache) = (origin, shared)
        do {
            return try await RunForecast.make(plan: plan, outDirectory: outDirectory, scope: scope)
        } catch {
            throw .failed(FileErrorText.describe(error))
        }
    }
}

/// Why a workspace cannot be opened or run; the command line turns each into an exit status.
public enum WorkspaceError: Error, Sendable {
    /// The manifest has errors (its diagnostics say which).
    case invalidManifest
    /// A setting cannot be used (`--only` names nothing, the price file, no API key): lines to print.
    case usage([String])
    /// The output folder cannot be written.
    case cannotWrite(String)
    /// Something the run needs failed: ffmpeg, the emulator, the shared cache, the run itself.
    case failed(String)
}
