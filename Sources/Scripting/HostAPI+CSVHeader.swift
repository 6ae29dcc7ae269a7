import CLua

extension HostAPI {
    /// `rollbook.csv.header`, which lets a connector check a file's columns before it reads any row.
    static let csvHeaderFunctions: [HostFunction] = [
        HostFunction(
            name: "csv.header", scope: .rollbook,
            signature: "rollbook.csv.header(path [, {encoding=, entry=}]) -> {name, ...} | nil, err",
            summary:
                "Reads only the header row of a CSV file (or of the CSV `entry` of a zip at `path`) and returns "
                + "its column names in file order; options as for rollbook.csv.rows.",
            body: { call in
                switch try openIterator(call, function: "rollbook.csv.header") {
                case .success(let iterator): return call.result(.array(iterator.header.map { .string($0) }))
                case .failure(let failure): return call.failure(failure.description)
                }
            })
    ]
}
