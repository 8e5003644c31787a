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
    public static func load(
        file path: String, yaml: YAMLLoader = YAMLLoader(), options: Planner.Options = Planner.Options(),
        images: ImageFileChecker = ImageFileChecker()
    ) -> ManifestLoadResult {
        var sources = SourceTexts()
        // Each shot is decoded as soon as the loader has it, while libyaml parses the rest.
        var decoder = ManifestDecoder(file: path)
        let manifest: Manifest?
        do {
            let bytes = try YAMLLoader.read(file: path)
            sources.add(file: path, bytes: bytes)
            // A shot takes at least about 30 bytes of YAML. Room reserved and never touched costs
            // address space only (an allocation this large is mapped, not taken from the heap).
            if bytes.count >= YAMLLoader.parallelParseBytes { decoder.expectedShots = min(bytes.count / 32, 200_000) }
            if bytes.count >= YAMLLoader.parallelParseBytes, let point = YAMLLoader.splitPoint(in: bytes, key: "shots"),
                case let (document, first, second)? = yaml.loadSplit(
                    bytes: bytes, file: path, key: "shots", at: point, sink: decoder,
                    onItem: { decoder, table, node in decoder.decodeStreamedShot(node, in: table) })
            {
                // A large file, parsed in two parts on two cores (see YAMLSplitLoad.swift). Part
                // one's decoder is moved, not copied: its shots array then grows in place.
                decoder = consume first
                manifest = decoder.finish(document, continuedBy: second)
            } else {
                let document = try yaml.load(bytes: bytes, file: path, streamingItemsOf: "shots") { table, node in
                    decoder.decodeStreamedShot(node, in: table)
                }
                manifest = decoder.finish(document)
            }
        } catch {
            return ManifestLoadResult(file: path, manifest: nil, plan: nil, diagnostics: [error.diagnostic], sources: sources)
        }
        let decodeDiagnostics = decoder.diagnostics.diagnostics
        var diagnostics = decodeDiagnostics
        var plan: Plan?
        if let manifest {
            let planned = Planner.plan(manifest, options: options, images: images)
            diagnostics += planned.diagnostics
            // A plan from a manifest with decode errors would silently drop the broken parts.
            if !decodeDiagnostics.contains(where: { $0.severity == .error }) { plan = planned.plan }
        }
        var bag = DiagnosticBag()
        bag.append(contentsOf: diagnostics)
        return ManifestLoadResult(file: path, manifest: manifest, plan: plan, diagnostics: bag.sorted, sources: sources)
    }
}
