import Archive
import OneRoster

extension CSVPackageWriter {
    /// Zips the finished package folder to `path`: `manifest.csv` first, then the data files in `Entity` order.
    ///
    /// The folder stays as it is. See `ZipWriter` for `compressionLevel`, `parallelism` and the `.partial` file.
    public func zip(to path: String, compressionLevel: Int = 6, parallelism: Int = 1) throws(PackageWriterError) {
        guard let summary = finishedSummary else {
            throw PackageWriterError(
                .notFinished, path: directory,
                message: "the package in '\(directory)' is not finished; call finish() before zip(to:)")
        }
        let entries = summary.fileNames.map { ZipWriter.Entry(name: $0, path: self.path(of: $0)) }
        do {
            try ZipWriter(compressionLevel: compressionLevel, parallelism: parallelism).write(entries, to: path)
        } catch {
            throw PackageWriterError(.zipFailed, path: path, message: error.description)
        }
    }
}
