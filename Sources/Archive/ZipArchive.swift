import CZip
import OneRoster

/// A zip file opened read-only through libzip, listing its entries and streaming them one at a time.
///
/// The libzip handle is closed when the archive and every entry source opened from it are released.
public final class ZipArchive {
    /// One file or folder inside the zip.
    public struct Entry: Sendable, Hashable {
        /// The position of the entry in the zip's central directory.
        public let index: Int
        /// The path inside the zip with `/` separators, such as `export/users.csv`; folders end with `/`.
        public let name: String
        /// The uncompressed size in bytes, as the zip states it.
        public let size: UInt64

        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// The path the zip was opened from, used in errors.
    public let path: String
    public let entries: [Entry]
    let handle: OpaquePointer

    /// Opens the zip at `path` and reads its list of entries.
    public init(path: String) throws(ZipError) {
        var errorCode: Int32 = 0
        guard let handle = zip_open(path, ZIP_RDONLY, &errorCode) else {
            throw ZipError(.openFailed, path: path, detail: Self.describe(errorCode: errorCode))
        }
        self.path = path
        self.handle = handle

        let count = zip_get_num_entries(handle, 0)
        var entries: [Entry] = []
        entries.reserveCapacity(Int(max(0, count)))
        for index in 0..<max(0, count) {
            var stat = zip_stat_t()
            zip_stat_init(&stat)
            guard zip_stat_index(handle, zip_uint64_t(index), 0, &stat) == 0, let name = stat.name else {
                let detail = String(cString: zip_error_strerror(zip_get_error(handle)))
                zip_discard(handle)
                throw ZipError(.readFailed, path: path, detail: "entry \(index) cannot be listed: \(detail)")
            }
            let size = stat.valid & UInt64(ZIP_STAT_SIZE) != 0 ? stat.size : 0
            entries.append(Entry(index: Int(index), name: String(cString: name), size: size))
        }
        self.entries = entries
    }

    deinit {
        // The archive is read-only, so discarding it only frees the handle and closes the file.
        zip_discard(handle)
    }

    /// Opens an entry for streaming; the source keeps this archive open while it lives.
    public func open(_ entry: Entry) throws(ZipError) -> ZipEntrySource {
        guard let file = zip_fopen_index(handle, zip_uint64_t(entry.index), 0) else {
            let detail = String(cString: zip_error_strerror(zip_get_error(handle)))
            throw ZipError(.entryOpenFailed, path: path, entry: entry.name, detail: detail)
        }
        return ZipEntrySource(archive: self, file: file, entryName: entry.name)
    }

    /// Returns libzip's text for an error code from `zip_open`.
    static func describe(errorCode: Int32) -> String {
        var error = zip_error_t()
        zip_error_init_with_code(&error, errorCode)
        defer { zip_error_fini(&error) }
        return String(cString: zip_error_strerror(&error))
    }
}
