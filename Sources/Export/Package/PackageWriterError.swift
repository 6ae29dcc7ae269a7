/// A package that cannot be written: a bad target folder, a call out of order, or a failed write.
public struct PackageWriterError: Error, Sendable, Hashable {
    enum Code: String, Sendable {
        case folderNotEmpty = "folder-not-empty"
        case folderCreateFailed = "folder-create-failed"
        case entityNotInVersion = "entity-not-in-version"
        case invalidMode = "invalid-mode"
        case fileWrittenTwice = "file-written-twice"
        case noOpenFile = "no-open-file"
        case wrongEntity = "wrong-entity"
        case alreadyFinished = "already-finished"
        case notFinished = "not-finished"
        case writeFailed = "write-failed"
        case zipFailed = "zip-failed"
    }

    let kind: Code
    /// The package folder or the file concerned.
    public let path: String
    /// The problem and its fix in one or two sentences.
    public let message: String

    init(_ kind: Code, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// A short stable code such as `package-writer.folder-not-empty`.
    public var code: String { "package-writer." + kind.rawValue }
}

extension PackageWriterError: CustomStringConvertible {
    /// The message, which names the path where it matters.
    public var description: String { message }
}
