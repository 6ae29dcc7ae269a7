import OneRoster

/// The query fields of one entity in one binding version: what `filter` and `sort` may name and which schema
/// column stores each, and what `fields` may select.
struct RESTFields: Sendable {
    /// Filterable and sortable names in the order of the JSON object, dotted GUIDRef paths after their member.
    let filterable: [String]
    /// Schema column of each filterable name.
    let columns: [String: String]
    /// Top-level JSON member names.
    let selectable: [String]

    /// Derives the fields from the JSON layout, so the names match the members the encoder writes.
    ///
    /// A GUIDRef member filters as `member.sourcedId`, and also as `member` itself, which compares the stored
    /// sourcedId text. A list member (`grades`, `orgs`, …) compares its comma-separated stored text, so `~` is
    /// the operator that finds one item in it. `metadata`, `roles` and `userProfiles` have no column and can
    /// only be selected.
    init(entity: Entity, layout: RESTJSONLayout) {
        let schema = Schema.columns(of: entity)
        var filterable: [String] = []
        var columns: [String: String] = [:]
        var selectable: [String] = []
        func add(_ name: String, _ index: Int) {
            guard columns[name] == nil else { return }
            filterable.append(name)
            columns[name] = schema[index].name
        }
        for field in layout.fields[entity.order] {
            selectable.append(field.name)
            switch field.kind {
            case .text(let column), .textOrFallback(let column, _), .list(let column), .userIds(let column):
                add(field.name, column)
            case .reference(let column, _):
                add(field.name, column)
                add(field.name + ".sourcedId", column)
            case .referenceList(let column, _):
                add(field.name, column)
            case .metadata, .credentials, .roles, .userProfiles:
                continue
            }
        }
        self.filterable = filterable
        self.columns = columns
        self.selectable = selectable
    }
}
