import VeoProvider

// MARK: - Matrices

/// `matrix:` on a shot: job fields (axes), each with a list of values; every combination of one
/// value per axis becomes an ordinary `Variant` here, in the decoder, so the planner, frame
/// references, `--only`, the runner and the report see nothing new.
///
/// A combination's variant id joins one token per axis with '-', in the order the axes are
/// written: `size` → `1280x720`, `model` → the model's short name (`fast`, `standard`), `seconds`
/// → `4s`, and `prompt`, `references`, `first_frame`, `last_frame` → `p`, `ref`, `first`, `last`
/// with the value's place in its list (`p1`, `p2`...), so a value appended to an axis never renames
/// an existing variant. `{id: NAME, value: ...}` names a value. With written `variants`, each of
/// them is crossed with every combination, its id first (`dusk-720x1280-fast`); a written variant
/// may not set a field the matrix varies. The fields of each combination are located at the list
/// items that gave them, so every rule of a job points at the value that breaks it.
extension ManifestDecoder {
    /// A shot's `matrix:` with the axes and values that decode (each problem reported; no axes
    /// when none does).
    mutating func decodeMatrix(_ node: Node) -> ShotMatrix {
        let position = t.position(node)
        guard t.kind(node) == .mapping, t.count(node) > 0 else {
            let what = t.kind(node) == .mapping ? "an empty mapping" : t.kindDescription(node)
            error("'matrix' must be a mapping of job fields to lists of values (e.g. 'size: [1280x720, 720x1280]'), but this is \(what)", position)
            return ShotMatrix(axes: [], position: position)
        }
        var axes: [ShotMatrix.Axis] = []
        let errorsBefore = diagnostics.errorCount
        for i in 0..<t.count(node) {
            let (k, list) = t.pair(node, i)
            if let key = axisKey(k), let axis = decodeAxis(key, list, keyAt: t.position(k)) { axes.append(axis) }
        }
        var matrix = ShotMatrix(axes: axes, position: position)
        matrix.hasErrors = diagnostics.errorCount > errorsBefore
        return matrix
    }

    /// The job field a matrix key names, or nil (reported, with a suggestion).
    private mutating func axisKey(_ k: Node) -> JobKey? {
        guard t.kind(k) == .scalar else {
            error("keys must be plain names, but this key is \(t.kindDescription(k))", t.position(k))
            return nil
        }
        if let key = JobKey.allCases.first(where: { t.scalar(k, equals: $0.name) }) { return key }
        let name = t.scalar(k) ?? ""
        let names = JobKey.allCases.map { "\($0.name)" }
        error("unknown matrix axis '\(DiagnosticText.excerpt(name))'\(Suggest.didYouMean(name, names)); an axis is a job field: \(names.joined(separator: ", "))",
              t.position(k))
        return nil
    }

    private mutating func decodeAxis(_ key: JobKey, _ list: Node, keyAt position: SourcePosition) -> ShotMatrix.Axis? {
        guard t.kind(list) == .sequence else {
            error("matrix axis '\(key.name)' must be a list of values (e.g. '\(key.name): \(Self.axisExample(key))'), but this is \(t.kindDescription(list))",
                  t.position(list))
            return nil
        }
        let count = t.count(list)
        guard count > 0 else {
            error("matrix axis '\(key.name)' is empty; give it at least one value, or remove it", t.position(list))
            return nil
        }
        var values: [ShotMatrix.Value] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            if let value = axisValue(key, t.item(list, i), index: i) { values.append(value) }
        }
        return values.isEmpty ? nil : ShotMatrix.Axis(key: key, values: values, position: position)
    }

    static func axisExample(_ key: JobKey) -> String {
        switch key {
        case .model: "[\(VideoModel.fast.rawValue), \(VideoModel.standard.rawValue)]"
        case .size: "[1280x720, 720x1280]"
        case .seconds: "[4, 8]"
        case .prompt: "[The lion roars, The lion sleeps]"
        case .references: "[assets/a.jpg, [assets/a.jpg, assets/b.jpg]]"
        case .firstFrame, .lastFrame: "[assets/a.jpg, {shot: intro, frame: last}]"
        }
    }

    /// One value of an axis (a list item, or the `value` of a named item): its field, located
    /// where the value is written, and its token.
    private mutating func axisValue(_ key: JobKey, _ item: Node, index: Int) -> ShotMatrix.Value? {
        var node = item
        var name: String?
        if t.kind(item) == .mapping, isNamedValue(item) {
            guard let named = namedValue(item) else { return nil }
            name = named.name
            node = named.value
        }
        var fields = JobFields()
        if key == .references, t.kind(node) != .sequence {
            // One image stands for a list of one: `references: [a.jpg, b.jpg]` is two values.
            fields.references = image(node, field: "references").map { Located([$0], at: $0.position) }
        } else {
            field(key, node, into: &fields)
        }
        guard fields.position(of: key) != nil else { return nil }
        return ShotMatrix.Value(token: name ?? Self.token(key, fields, index: index), fields: fields, position: t.position(node))
    }

    /// A mapping with `id` or `value`: a named value (a frame reference has neither).
    private func isNamedValue(_ mapping: Node) -> Bool {
        (0..<t.count(mapping)).contains { i in
            let key = t.pair(mapping, i).key
            return MatrixValueKey.allCases.contains { t.scalar(key, equals: $0.name) }
        }
    }

    /// `{id: NAME, value: ...}`: the name and the value's node, or nil (reported).
    private mutating func namedValue(_ mapping: Node) -> (name: String, value: Node)? {
        let position = t.position(mapping)
        let map = keyed(mapping, own: MatrixValueKey.self, jobFields: false, context: "a named matrix value")
        guard let value = map[.value] else {
            error("a named matrix value needs 'value' (e.g. '{id: wide, value: 1280x720}')", position)
            return nil
        }
        guard let id = identifier(map[.id], owner: "matrix value", at: position), Self.isWellFormedID(id.value) else { return nil }
        return (id.value, value)
    }

    /// A value's part of a variant id, when it is not named.
    static func token(_ key: JobKey, _ f: JobFields, index: Int) -> String {
        switch key {
        case .model: f.model?.value.shortName ?? ""
        case .size: f.size?.value.rawValue ?? ""
        case .seconds: f.seconds.map { "\($0.value.rawValue)s" } ?? ""
        case .prompt: "p\(index + 1)"
        case .references: "ref\(index + 1)"
        case .firstFrame: "first\(index + 1)"
        case .lastFrame: "last\(index + 1)"
        }
    }
}

// MARK: - Expansion

extension ManifestDecoder {
    /// One combination: which written variant (an index into the bases) and which value of each axis.
    private struct Choice {
        var base: Int
        var values: [Int]
    }

    /// The variants `matrix` makes: every combination, or each written variant (`written`, whose
    /// ids are `matrix.crossed`) crossed with every combination. An error at the matrix as a whole
    /// (too many, ids too long or repeated) is reported at the matrix; none when it has no axes or
    /// makes too many (then the shot has no job: see `Shot.matrixMadeNoVariants`).
    mutating func expand(_ matrix: ShotMatrix, crossing written: [Variant], shot: Located<String>) -> [Variant] {
        let bases: [Variant?] = written.isEmpty ? [nil] : written.map { Optional($0) }
        guard !matrix.axes.isEmpty, let count = combinationCount(matrix, shot: shot) else { return [] }
        for case let variant? in bases { reportConflicts(variant, matrix, shot: shot) }
        var variants: [Variant] = []
        variants.reserveCapacity(count)
        var made: [String: Choice] = [:]
        var tooLong: [String] = []
        for base in bases.indices {
            var choice = Choice(base: base, values: [Int](repeating: 0, count: matrix.axes.count))
            repeat {
                let variant = combination(choice, of: matrix, on: bases[base])
                let id = variant.id.value
                if let first = made.updateValue(choice, forKey: id) {
                    made[id] = first
                    reportRepeated(id, first, choice, matrix, bases: bases, shot: shot)
                    continue
                }
                if id.utf8.count > 64 { tooLong.append(id) }
                variants.append(variant)
            } while Self.advance(&choice.values, in: matrix)
        }
        if let first = tooLong.first {
            let more = tooLong.count > 1 ? ", and \(tooLong.count - 1) more" : ""
            error("the matrix of shot '\(shot.value)' makes variant ids longer than 64 characters ('\(DiagnosticText.excerpt(first))', \(first.utf8.count) characters\(more)); "
                  + "shorten the variant ids, or name long values with {id: NAME, value: ...}", matrix.position)
        }
        return variants
    }

    /// One combination as a variant: the written variant's fields, with one value of each axis.
    private func combination(_ choice: Choice, of matrix: ShotMatrix, on base: Variant?) -> Variant {
        var id = base?.id.value ?? ""
        var fields = base?.fields ?? JobFields()
        for (axis, index) in zip(matrix.axes, choice.values) {
            if !id.isEmpty { id.append("-") }
            id.append(axis.values[index].token)
            fields = fields.overlaid(by: axis.values[index].fields)
        }
        return Variant(id: Located(id, at: matrix.position), fields: fields, position: base?.position ?? matrix.position)
    }

    /// The next combination, the last axis changing fastest; false after the last one.
    private static func advance(_ values: inout [Int], in matrix: ShotMatrix) -> Bool {
        for a in matrix.axes.indices.reversed() {
            values[a] += 1
            if values[a] < matrix.axes[a].values.count { return true }
            values[a] = 0
        }
        return false
    }

    /// How many variants the matrix makes, or nil (reported) when it is more than a shot may have,
    /// or than the manifest's matrices may make together.
    private mutating func combinationCount(_ matrix: ShotMatrix, shot: Located<String>) -> Int? {
        let count = matrix.variantCount
        guard count <= ShotMatrix.maxCombinations else {
            var factors = matrix.axes.map { "\($0.values.count) \($0.field)" }
            if !matrix.crossed.isEmpty { factors.insert("\(matrix.crossed.count) variants", at: 0) }
            let total = count == Int.max ? "more than \(ShotMatrix.maxCombinations)" : String(count)
            error("the matrix of shot '\(shot.value)' makes \(total) variants (\(factors.joined(separator: " × "))); a shot may have at most \(ShotMatrix.maxCombinations): "
                  + "shorten an axis, or split the shot", matrix.position)
            return nil
        }
        guard matrixVariants + count <= ShotMatrix.maxVariantsPerManifest else {
            error("the matrix of shot '\(shot.value)' would make \(count) more variants, after the \(matrixVariants) the matrices before it make; "
                  + "the matrices of one manifest may make at most \(ShotMatrix.maxVariantsPerManifest): split the manifest", matrix.position)
            return nil
        }
        matrixVariants += count
        return count
    }

    /// A written variant may not set a field its matrix varies (one of the two would be ignored).
    private mutating func reportConflicts(_ variant: Variant, _ matrix: ShotMatrix, shot: Located<String>) {
        for axis in matrix.axes {
            guard let position = variant.fields.position(of: axis.key) else { continue }
            error("variant '\(variant.id.value)' of shot '\(shot.value)' sets '\(axis.field)', which the shot's matrix varies; set it in the variant or in the matrix, not both",
                  position, notes: [.note("the matrix axis '\(axis.field)' is here", at: location(axis.position))])
        }
    }

    /// Two combinations with one id: reported at the matrix, with notes at the values that differ.
    private mutating func reportRepeated(_ id: String, _ first: Choice, _ second: Choice, _ matrix: ShotMatrix, bases: [Variant?], shot: Located<String>) {
        var notes: [Diagnostic] = []
        if first.base != second.base, let a = bases[first.base], let b = bases[second.base] {
            for variant in [a, b] { notes.append(.note("with variant '\(variant.id.value)'", at: location(variant.id.position))) }
        }
        for (a, axis) in matrix.axes.enumerated() where first.values[a] != second.values[a] {
            for index in [first.values[a], second.values[a]] {
                let value = axis.values[index]
                notes.append(.note("'\(axis.field)' value \(index + 1), token '\(value.token)'", at: location(value.position)))
            }
        }
        error("two combinations of the matrix of shot '\(shot.value)' make the variant id '\(DiagnosticText.excerpt(id))'; "
              + "remove a repeated value, or name values with {id: NAME, value: ...}", matrix.position, notes: notes)
    }
}

extension JobFields {
    /// Where the field `key` is set, or nil when it is not.
    func position(of key: JobKey) -> SourcePosition? {
        switch key {
        case .model: model?.position
        case .prompt: prompt?.position
        case .seconds: seconds?.position
        case .size: size?.position
        case .references: references?.position
        case .firstFrame: firstFrame?.position
        case .lastFrame: lastFrame?.position
        }
    }
}
