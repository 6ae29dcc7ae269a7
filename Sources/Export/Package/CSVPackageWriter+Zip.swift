import Archive
import Foundation
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

extension CSVPackageWriter {
    /// Starts zipping the package to `path` while its files are written, deflating on a second thread.
    ///
    /// `files` are the entities that will be written, in the order `beginFile` will take them; each must get at
    /// least one row, because a file already streamed into the zip cannot become absent. Call it before the
    /// first `beginFile`, then `finishStreamedZip()` after `finish()`. The manifest is the zip's last entry.
    public func streamZip(to path: String, files: [Entity], compressionLevel: Int) throws(PackageWriterError) {
        stream = try StreamingZip(path: path, names: files.map(\.fileName), level: compressionLevel)
    }

    /// Sends the manifest into the streamed zip and waits for it to be complete. Throws when the zip failed, or
    /// when the package's files are not the ones the zip was started with.
    public func finishStreamedZip() throws(PackageWriterError) {
        guard let stream else {
            throw PackageWriterError(.notFinished, path: directory, message: "no zip was started with streamZip")
        }
        guard let summary = finishedSummary else {
            stream.abandon()
            throw PackageWriterError(
                .notFinished, path: directory,
                message: "the package in '\(directory)' is not finished; call finish() before finishStreamedZip()")
        }
        try stream.finish(manifest: path(of: "manifest.csv"))
        let written = Set(summary.fileNames)
        let streamed = Set(stream.names)
        guard written == streamed else {
            unlink(stream.path)
            throw PackageWriterError(
                .zipFailed, path: stream.path,
                message: "the package has the files \(written.sorted()) but the zip was started for "
                    + "\(streamed.sorted()); every streamed file needs at least one row")
        }
    }

    /// Stops a streamed zip after a failure, leaving no zip behind.
    public func abandonStreamedZip() {
        stream?.abandon()
    }
}
