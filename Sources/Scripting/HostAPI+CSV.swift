extension HostAPI {
    // TODO: rollbook.csv.rows waits for OneRoster.CSVReader from the csv branch.
    static let csvFunctions: [HostFunction] = []
    static let zipFunctions: [HostFunction] = []
}

/// An open CSV iterator owned by the runtime.
final class RowIterator {}
