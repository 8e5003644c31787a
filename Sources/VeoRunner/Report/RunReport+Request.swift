public import VeoProvider

extension RunReport {
    /// The request as sent: every field of the field table (`VeoProvider/RequestFields.swift`) the
    /// job set, under its name, and the inputs with the sha256 of what went out. Derived from the
    /// table: a new field is written and read back without a change here.
    public struct Request: Codable, Sendable {
        /// Each field the request set, by its name in the table.
        public var fields: [String: FieldValue]
        public var inputs: [Input]

        init(_ request: GenerationRequest, inputs: [ResolvedInput]) {
            fields = Dictionary(uniqueKeysWithValues: RequestFields.values(of: request).map { ($0.field.name, $0.value) })
            self.inputs = inputs.map(Input.init)
        }

        /// The value of `field`, when the request set it.
        public func value(_ field: RequestField) -> FieldValue? { fields[field.name] }

        /// Each field set, in table order, with its value: what the page shows.
        public var values: [(field: RequestField, value: FieldValue)] {
            RequestFields.all.compactMap { field in fields[field.name].map { (field, $0) } }
        }

        public var model: String { value(RequestFields.model)?.text ?? "" }
        public var prompt: String { value(RequestFields.prompt)?.text ?? "" }
        public var size: String { value(RequestFields.size)?.text ?? "" }
        public var seconds: Int {
            if case .integer(let seconds)? = value(RequestFields.seconds) { return seconds }
            return 0
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: FieldKey.self)
            var fields: [String: FieldValue] = [:]
            for field in RequestFields.all {
                fields[field.name] = try field.decode(from: c, key: FieldKey(field.name))
            }
            self.fields = fields
            inputs = try c.decode([Input].self, forKey: "inputs")
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: FieldKey.self)
            for (field, value) in values { try c.encode(value, forKey: FieldKey(field.name)) }
            try c.encode(inputs, forKey: "inputs")
        }
    }
}
