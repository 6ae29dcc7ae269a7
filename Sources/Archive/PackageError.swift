/// A package that cannot be opened as a whole, such as a zip with two manifests.
public struct PackageError: Error, Sendable, Hashable {
    enum Code: String, Sendable {
        case openFailed = "open-failed"
        case multipleManifests = "multiple-manifests"
        case noCSVFiles = "no-csv-files"
        case ambiguousName = "ambiguous-name"
    }

    let kind: Code
    /// The folder or zip path given to `PackageSource.open`.
    public let path: String
    /// The problem in one sentence, such as "zip contains 2 manifest.csv files (a/, b/)".
    public let message: String

    init(_ kind: Code, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// A short stable code such as `package.multiple-manifests`.
    public var code: String { "package." + kind.rawValue }
}

extension PackageError: CustomStringConvertible {
    /// The message alone; callers add the path when they need it.
    public var description: String { message }
}
