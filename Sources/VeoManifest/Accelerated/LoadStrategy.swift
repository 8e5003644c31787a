/// How a manifest is loaded and planned.
///
/// `.plain` is the reference path, and the one to read first: the file is read, libyaml parses it
/// on the calling thread into a node table (`YAMLLoader`), `ManifestDecoder` decodes the table, and
/// `Planner.build()` plans it in one pass.
///
/// `.accelerated` (the default) gives the same results faster on large manifests, with the tricks
/// in this folder, each only where the input is large enough for it to pay:
/// - a file of `splitParseMinBytes` or more is parsed and decoded in two parts on two threads
///   (`SplitPoint.swift`, `SplitLoad.swift`), falling back to the plain load whenever the cut is in
///   doubt or either part fails;
/// - a manifest of `parallelPlanMinShots` shots or more is planned in two halves on two threads
///   (`ParallelPlanning.swift`);
/// - buffers of `Memory.prefaultMinBytes` or more are mapped in one call before they are filled
///   (`Memory.swift`).
///
/// `SplitLoadTests` and `LargeManifestTests` hold `.accelerated` to `.plain`: the same manifest,
/// plan and diagnostics.
public enum LoadStrategy: Sendable, Hashable {
    case plain
    case accelerated

    /// Files from this size on are parsed in two parts. Smaller files (under about 900 shots) parse
    /// in about a millisecond, little more than starting a thread costs.
    static let splitParseMinBytes = 256 << 10
    /// Manifests with at least this many shots are planned in two halves.
    static let parallelPlanMinShots = 2000

    func splitsParse(ofBytes count: Int) -> Bool {
        self == .accelerated && count >= Self.splitParseMinBytes
    }

    func plansInParallel(shots: Int) -> Bool {
        self == .accelerated && shots >= Self.parallelPlanMinShots
    }

    /// The file's bytes (under `.accelerated`, each large buffer's pages mapped in one call first).
    func read(file path: String) throws(YAMLError) -> [UInt8] {
        switch self {
        case .plain: try YAMLLoader.read(file: path)
        case .accelerated: try YAMLLoader.read(file: path, beforeFilling: Memory.prefault)
        }
    }

    /// The manifest decoded from a large file parsed in two parts at once (see `SplitLoad.swift`),
    /// or nil when this strategy does not split this file or the split load refuses it: the caller
    /// then loads it the plain way, which also reports any error.
    func decodeInParts(_ bytes: [UInt8], file: String, yaml: YAMLLoader) -> (manifest: Manifest?, diagnostics: [Diagnostic])? {
        guard splitsParse(ofBytes: bytes.count), let point = YAMLLoader.splitPoint(in: bytes, key: Self.listKey) else { return nil }
        return Self.decodeInParts(bytes, file: file, yaml: yaml, at: point)
    }

    /// The root key whose list a file is cut in.
    static let listKey: StaticString = "shots"

    /// Part one's manifest (the header and the shots before the cut) with part two's shots and
    /// diagnostics appended; nil when the split load refuses the cut, or when the matrices of both
    /// parts together make more variants than a manifest may (the plain load then says where).
    static func decodeInParts(
        _ bytes: [UInt8], file: String, yaml: YAMLLoader, at point: YAMLLoader.SplitPoint
    ) -> (manifest: Manifest?, diagnostics: [Diagnostic])? {
        guard
            let (first, second) = yaml.loadSplit(
                bytes: bytes, file: file, key: listKey, at: point,
                first: { document, _ in ManifestDecoder.decode(document) },
                second: { document, list in ManifestDecoder.decodeShots(of: list, in: document) })
        else { return nil }
        let diagnostics = first.diagnostics + second.diagnostics
        guard var manifest = first.manifest else { return (nil, diagnostics) }
        manifest.shots.reserveCapacity(manifest.shots.count + second.shots.count)
        manifest.shots.append(contentsOf: second.shots)
        // Each part's decoder counts only its own matrices' variants against the manifest's limit:
        // over it together, only the plain load says where it was crossed.
        guard manifest.matrixVariantCount <= ShotMatrix.maxVariantsPerManifest else { return nil }
        return (manifest, diagnostics)
    }
}

extension ManifestDecoder {
    /// The shots of part two of a split load: each item of `list` decoded in turn (the header's
    /// keys are part one's to decode).
    fileprivate static func decodeShots(of list: YAMLNode, in document: YAMLDocument) -> (shots: [Shot], diagnostics: [Diagnostic]) {
        var decoder = ManifestDecoder(file: document.file, table: list.owner.table)
        var shots: [Shot] = []
        shots.reserveCapacity(decoder.t.count(list.id))
        for i in 0..<decoder.t.count(list.id) {
            if let shot = decoder.decodeShot(decoder.t.item(list.id, i)) { shots.append(shot) }
        }
        return (shots, decoder.diagnostics.diagnostics)
    }
}
