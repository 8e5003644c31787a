/// The keys one kind of manifest mapping allows, by name. A key's slot in a ``KeyedMapping`` is its
/// case's raw value (its place in the declaration), so adding a key never shifts another by hand.
protocol MappingKey: RawRepresentable<Int>, CaseIterable, Sendable {
    /// The key as written in YAML.
    var name: StaticString { get }
}

/// The fields a job is made of: `defaults`, shots and variants each hold any of them.
/// Adding a job field starts here (see docs/architecture.md, "Adding a job field").
enum JobKey: Int, MappingKey {
    case model, prompt, seconds, size, references, firstFrame, lastFrame

    var name: StaticString {
        switch self {
        case .model: "model"
        case .prompt: "prompt"
        case .seconds: "seconds"
        case .size: "size"
        case .references: "references"
        case .firstFrame: "first_frame"
        case .lastFrame: "last_frame"
        }
    }
}

/// The top level of a manifest (besides `x-...` keys, which are ignored).
enum TopKey: Int, MappingKey {
    case version, name, defaults, vars, shots, budget, prices, cuts

    var name: StaticString {
        switch self {
        case .version: "version"
        case .name: "name"
        case .defaults: "defaults"
        case .vars: "vars"
        case .shots: "shots"
        case .budget: "budget"
        case .prices: "prices"
        case .cuts: "cuts"
        }
    }
}

/// A shot's own keys (it also takes every ``JobKey``).
enum ShotKey: Int, MappingKey {
    case id, after, takes, variants, matrix

    var name: StaticString {
        switch self {
        case .id: "id"
        case .after: "after"
        case .takes: "takes"
        case .variants: "variants"
        case .matrix: "matrix"
        }
    }
}

/// A variant's own key (it also takes every ``JobKey``).
enum VariantKey: Int, MappingKey {
    case id

    var name: StaticString { "id" }
}

/// A matrix value given a name of its own: `{id: wide, value: 1280x720}`.
enum MatrixValueKey: Int, MappingKey {
    case id, value

    var name: StaticString {
        switch self {
        case .id: "id"
        case .value: "value"
        }
    }
}

/// `defaults` has no keys of its own, only ``JobKey``s (a raw-valued enum needs a case; this one
/// is never listed).
enum DefaultsKey: Int, MappingKey {
    case unused

    static var allCases: [DefaultsKey] { [] }
    var name: StaticString { "" }
}

/// `{shot, variant, take, frame}`: a frame of another shot's clip.
enum FrameKey: Int, MappingKey {
    case shot, variant, take, frame

    var name: StaticString {
        switch self {
        case .shot: "shot"
        case .variant: "variant"
        case .take: "take"
        case .frame: "frame"
        }
    }
}

/// A mapping's known entries, looked up by key. Manifest mappings have a handful of keys, so the
/// value nodes live inline (no allocation per mapping): a mapping's own keys in the first slots,
/// the job fields after them.
struct KeyedMapping<Own: MappingKey> {
    private static var ownSlots: Int { 8 }
    /// The value node per slot; -1 when absent (16 Int32 slots).
    private var storage: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (-1, -1, -1, -1, -1, -1, -1, -1)

    subscript(_ key: Own) -> Int32? { value(key.rawValue) }

    subscript(_ key: JobKey) -> Int32? { value(Self.ownSlots + key.rawValue) }

    mutating func set(_ key: Own, _ node: Int32) { set(slot: key.rawValue, node) }

    mutating func set(_ key: JobKey, _ node: Int32) { set(slot: Self.ownSlots + key.rawValue, node) }

    private func value(_ slot: Int) -> Int32? {
        let id = withUnsafeBytes(of: storage) { $0.load(fromByteOffset: 4 * slot, as: Int32.self) }
        return id < 0 ? nil : id
    }

    private mutating func set(slot: Int, _ node: Int32) {
        precondition(slot < 2 * Self.ownSlots, "a mapping kind with more keys than KeyedMapping holds")
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: node, toByteOffset: 4 * slot, as: Int32.self) }
    }
}
