import CZip
import OneRoster

/// The decompressed bytes of one zip entry, read with `zip_fread`.
public final class ZipEntrySource: ByteSource {
    /// Kept so that the zip handle outlives this entry's file handle.
    private let archive: ZipArchive
    private var file: OpaquePointer?
    private let entryName: String

    init(archive: ZipArchive, file: OpaquePointer, entryName: String) {
        self.archive = archive
        self.file = file
        self.entryName = entryName
    }

    deinit {
        if let file { zip_fclose(file) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let file, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = zip_fread(file, base, zip_uint64_t(buffer.count))
        if count < 0 {
            let detail = String(cString: zip_error_strerror(zip_file_get_error(file)))
            throw ZipError(.readFailed, path: archive.path, entry: entryName, detail: detail)
        }
        if count == 0 {
            zip_fclose(file)
            self.file = nil
        }
        return Int(count)
    }
}
