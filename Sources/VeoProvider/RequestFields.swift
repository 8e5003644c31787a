/// The create request's fields as one table: each field's names, how it goes into the content
/// key, how it is shown and how it is checked. Every shape a request is written in is derived
/// from this table: the wire body (JSON and multipart, `VeoClient/VideoWireFormat.swift`), the
/// content key (`VeoRunner/Store/CacheKey.swift`), the report's `request`
/// (`VeoRunner/Report/RunReport.swift`), the plan JSON (`VeoManifest/Planning/PlanRenderer.swift`)
/// and the contact sheet's card (`VeoViews/ContactSheet+Card.swift`).
/// `Tests/VeoRunnerTests/RequestFieldCoverageTests.swift` sets every field and finds it in each.
///
/// The input images are not a row: they are a list with roles, sent as ``RequestFields/inputsWireName``.
public enum RequestFields {
    /// Every field, in the order it is sent and hashed.
    public static let all: [RequestField] = [model, prompt, seconds, size]

    /// The input images on the wire: a JSON array of URLs, or one multipart file part each.
    public static let inputsWireName = "input_reference"

    /// The field called `name` (its manifest, report and plan name).
    public static func named(_ name: String) -> RequestField? {
        all.first { $0.name == name }
    }

    /// Each field `request` sets, in table order, with its value.
    public static func values(of request: GenerationRequest) -> [(field: RequestField, value: FieldValue)] {
        all.compactMap { field in field.value(of: request).map { (field, $0) } }
    }

    /// A request with every field at its example value (the coverage tests' request).
    package static func exampleRequest(inputs: [RequestInput] = []) -> GenerationRequest {
        var request = GenerationRequest(model: .default, prompt: "", seconds: .default, size: .default, inputs: inputs)
        for field in all { field.assign(field.example, to: &request) }
        return request
    }

    // MARK: - The rows

    public static let model = RequestField(
        name: "model", kind: .text, presence: .always, display: .fact("Model"),
        example: .text(VideoModel.standard.rawValue),
        read: { .text($0.model.rawValue) },
        write: { r, v in
            guard case .text(let name)? = v, let model = VideoModel(rawValue: name) else { return false }
            r.model = model
            return true
        })

    public static let prompt = RequestField(
        name: "prompt", kind: .text, presence: .always, display: .prose,
        example: .text("a lighthouse at dusk, waves below"),
        read: { .text($0.prompt) },
        write: { r, v in
            guard case .text(let text)? = v else { return false }
            r.prompt = text
            return true
        },
        check: { $0.prompt.allSatisfy(\.isWhitespace) ? [.emptyPrompt] : [] })

    public static let seconds = RequestField(
        name: "seconds", kind: .integer, presence: .always, display: .fact("Seconds"),
        example: .integer(ClipSeconds.fullHD.rawValue),
        read: { .integer($0.seconds.rawValue) },
        write: { r, v in
            guard case .integer(let n)? = v, let seconds = ClipSeconds(rawValue: n) else { return false }
            r.seconds = seconds
            return true
        })

    public static let size = RequestField(
        name: "size", kind: .text, presence: .always, display: .fact("Size"),
        example: .text(VideoSize.landscape1080.rawValue),
        read: { .text($0.size.rawValue) },
        write: { r, v in
            guard case .text(let text)? = v, let size = VideoSize(rawValue: text) else { return false }
            r.size = size
            return true
        },
        check: { r in
            r.size.is1080p && r.seconds != .fullHD ? [.fullHDNeedsEightSeconds(size: r.size, seconds: r.seconds)] : []
        })
}

/// One field of the create request (a row of ``RequestFields``).
public struct RequestField: Sendable {
    /// The type of its value, as JSON carries it.
    public enum Kind: Sendable, Hashable {
        case text, integer, flag
    }

    /// When the field is sent, hashed and recorded.
    public enum Presence: Sendable, Hashable {
        /// Every request has it. Only the four fields of the first version (model, prompt, seconds,
        /// size): each is hashed at its place in the table, before the variant, take and inputs,
        /// a place fixed by the content keys already written. A new field is never `.always`.
        case always
        /// Sent, recorded and shown only when the job sets it; hashed only then, after the inputs,
        /// as its name and value, so every key written before the field existed stays valid.
        case whenSet
    }

    /// How the contact sheet's card shows it.
    public enum Display: Sendable, Hashable {
        /// A paragraph of its own (the prompt).
        case prose
        /// A fact with this label, and the value as ``RequestField/shown(_:)`` writes it.
        case fact(String)
    }

    /// The name in the manifest, the report's `request`, the plan JSON and the content key.
    public let name: String
    /// The name on the wire: the JSON key and the multipart field. A gateway spelling it
    /// differently is a change here only (the content key hashes ``name``, not this).
    public let wireName: String
    public let kind: Kind
    public let presence: Presence
    public let display: Display
    /// A valid value other than the default (the coverage test sets every field to it).
    public let example: FieldValue
    private let read: @Sendable (GenerationRequest) -> FieldValue?
    private let write: @Sendable (inout GenerationRequest, FieldValue?) -> Bool
    private let check: @Sendable (GenerationRequest) -> [RequestViolation]
    private let show: @Sendable (FieldValue) -> String

    /// - Parameters:
    ///   - read: the field's value in a request, nil when not set (never nil for `.always`).
    ///   - write: sets the field to a value, or clears it (nil); false, and nothing set, when the
    ///     value is not one the field takes (a wrong type, an unknown model, nil for `.always`).
    ///   - check: the provider's rules about this field that a request breaks.
    ///   - show: the value as the card shows it (its text by default).
    public init(
        name: String, wireName: String? = nil, kind: Kind, presence: Presence, display: Display, example: FieldValue,
        read: @escaping @Sendable (GenerationRequest) -> FieldValue?,
        write: @escaping @Sendable (inout GenerationRequest, FieldValue?) -> Bool,
        check: @escaping @Sendable (GenerationRequest) -> [RequestViolation] = { _ in [] },
        show: @escaping @Sendable (FieldValue) -> String = { $0.text }
    ) {
        self.name = name
        self.wireName = wireName ?? name
        self.kind = kind
        self.presence = presence
        self.display = display
        self.example = example
        self.read = read
        self.write = write
        self.check = check
        self.show = show
    }

    /// Its value in `request`; nil when the request does not set it.
    public func value(of request: GenerationRequest) -> FieldValue? { read(request) }

    /// Sets the field of `request` to `value` (nil clears it); false when the field does not take
    /// that value, and `request` is left as it was.
    @discardableResult
    public func assign(_ value: FieldValue?, to request: inout GenerationRequest) -> Bool { write(&request, value) }

    /// The rules about this field that `request` breaks.
    public func violations(of request: GenerationRequest) -> [RequestViolation] { check(request) }

    /// The value as the page shows it.
    public func shown(_ value: FieldValue) -> String { show(value) }

    /// Its value decoded from `container` (a report's `request`, read back): required when
    /// `.always`, else nil when absent.
    public func decode<K: CodingKey>(from container: KeyedDecodingContainer<K>, key: K) throws -> FieldValue? {
        if presence == .whenSet, !container.contains(key) { return nil }
        switch kind {
        case .text: return .text(try container.decode(String.self, forKey: key))
        case .integer: return .integer(try container.decode(Int.self, forKey: key))
        case .flag: return .flag(try container.decode(Bool.self, forKey: key))
        }
    }
}

/// A request field's value, typed as JSON carries it.
public enum FieldValue: Sendable, Hashable, Encodable {
    case text(String)
    case integer(Int)
    case flag(Bool)

    /// The value as text: a multipart field's value, the bytes hashed into the content key.
    public var text: String {
        switch self {
        case .text(let text): text
        case .integer(let number): String(number)
        case .flag(let flag): flag ? "true" : "false"
        }
    }

    /// A JSON string, number or boolean.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let text): try c.encode(text)
        case .integer(let number): try c.encode(number)
        case .flag(let flag): try c.encode(flag)
        }
    }
}

/// A coding key named at run time: a field of the table, or any other key of the same object.
public struct FieldKey: CodingKey, Hashable, ExpressibleByStringLiteral {
    public var stringValue: String
    public var intValue: Int? { nil }

    public init(_ name: String) { stringValue = name }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
    public init(stringLiteral value: String) { stringValue = value }
}
