/// A zip file that cannot be opened or read.
public struct ZipError: Error, Sendable, Hashable {
    enum Code: String, Sendable {
        case openFailed = "open-failed"
        case readFailed = "read-failed"
        case entryOpenFailed = "entry-open-failed"
    }

    let kind: Code
    /// The zip file's path.
    public let path: String
    /// The entry concerned, if any, such as `export/users.csv`.
    public let entry: String?
    /// libzip's description of the failure, such as "Not a zip archive".
    public let detail: String

    init(_ kind: Code, path: String, entry: String? = nil, detail: String) {
        self.kind = kind
        self.path = path
        self.entry = entry
        self.detail = detail
    }

    /// A short stable code such as `zip.open-failed`.
    public var code: String { "zip." + kind.rawValue }
}

extension ZipError: CustomStringConvertible {
    /// The error as a sentence naming the zip and the entry.
    public var description: String {
        switch kind {
        case .openFailed: return "failed to open zip '\(path)': \(detail)"
        case .readFailed:
            if let entry { return "failed to read '\(entry)' in zip '\(path)': \(detail)" }
            return "failed to read zip '\(path)': \(detail)"
        case .entryOpenFailed: return "failed to open '\(entry ?? "")' in zip '\(path)': \(detail)"
        }
    }
}
