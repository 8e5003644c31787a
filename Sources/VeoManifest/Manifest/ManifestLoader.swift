/// Loads, decodes and plans a manifest file, collecting every diagnostic on the way.
public struct ManifestLoadResult: Sendable {
    public var file: String
    public var manifest: Manifest?
    /// Set when the manifest is valid (no errors).
    public var plan: Plan?
    public var diagnostics: [Diagnostic]
    /// The file's text, for rendering source lines under diagnostics.
    public var sources: SourceTexts

    public var isValid: Bool { plan != nil && !diagnostics.contains { $0.severity == .error } }
}

public enum ManifestLoader {
    /// YAML → Manifest → Plan. Never throws: every problem is a diagnostic.
    ///
    /// The plain path: read the file, parse it with libyaml on this thread into a node table
    /// (`YAMLLoader`), decode the table (`ManifestDecoder`), plan (`Planner`). Under the
    /// `.accelerated` strategy (the default) a large file is parsed and decoded in two parts at
    /// once, and a large manifest planned in two halves (see `LoadStrategy`), with the same result.
    public static func load(
        file path: String, yaml: YAMLLoader = YAMLLoader(), options: Planner.Options = Planner.Options(),
        images: ImageFileChecker = ImageFileChecker(), strategy: LoadStrategy = .accelerated
    ) -> ManifestLoadResult {
        var sources = SourceTexts()
        let decoded: (manifest: Manifest?, diagnostics: [Diagnostic])
        do {
            let bytes = try strategy.read(file: path)
            sources.add(file: path, bytes: bytes)
            if let inParts = strategy.decodeInParts(bytes, file: path, yaml: yaml) {
                decoded = inParts
            } else {
                decoded = ManifestDecoder.decode(try yaml.load(bytes: bytes, file: path))
            }
        } catch {
            return ManifestLoadResult(file: path, manifest: nil, plan: nil, diagnostics: [error.diagnostic], sources: sources)
        }
        var diagnostics = decoded.diagnostics
        var plan: Plan?
        if let manifest = decoded.manifest {
            let planned = Planner.plan(manifest, options: options, images: images, strategy: strategy)
            diagnostics += planned.diagnostics
            // A plan from a manifest with decode errors would silently drop the broken parts.
            if !decoded.diagnostics.contains(where: { $0.severity == .error }) { plan = planned.plan }
        }
        var bag = DiagnosticBag()
        bag.append(contentsOf: diagnostics)
        return ManifestLoadResult(file: path, manifest: decoded.manifest, plan: plan, diagnostics: bag.sorted, sources: sources)
    }
}
