/// The destination of each column of a CSV header: a OneRoster column or an extension column.
///
/// Columns are read by name, so a file whose columns are out of order still maps correctly.
public struct HeaderMapping: Sendable, Hashable {
    /// The destination of one input column.
    public enum Target: Sendable, Hashable {
        /// A OneRoster column, as an index into `Schema.columns(of: entity)` (the union of 1.1 and 1.2).
        case column(Int)
        /// A column the binding does not define, kept as an extension under its header name.
        case extensionColumn(String)
        /// A column with an empty header name. A non-empty value is kept as an extension under this name,
        /// `column<N>` with N the 1-based position, and an empty value is dropped.
        case unnamed(String)
        /// A repeated column name; its values are not read.
        case ignored
    }

    public let entity: Entity
    public let version: OneRosterVersion
    /// The destination of each input column, in input order.
    public let targets: [Target]
    /// For each column of `Schema.columns(of: entity)`, the input position that contains it, or nil when absent.
    public let positions: [Int?]

    /// Maps a header row to the columns of `entity` and reports what is unusual about it.
    ///
    /// `fileName` appears in the diagnostics, which all carry row 1 and the header name as `field`.
    public static func map(header: [String], entity: Entity, version: OneRosterVersion, fileName: String)
        -> (HeaderMapping, [Diagnostic])
    {
        var builder = HeaderMappingBuilder(entity: entity, version: version, fileName: fileName)
        builder.map(header)
        let mapping = HeaderMapping(
            entity: entity, version: version, targets: builder.targets, positions: builder.positions)
        return (mapping, builder.diagnostics)
    }
}
