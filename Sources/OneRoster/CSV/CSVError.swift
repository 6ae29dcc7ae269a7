/// A CSV file that cannot be read: bad encoding, a broken quote, a failed read.
///
/// After a `CSVReader` throws one, the reader is finished and every later call throws the same error.
public struct CSVError: Error, Sendable, Hashable {
    enum Code: String, Sendable {
        case openFailed = "open-failed"
        case readFailed = "read-failed"
        case invalidUTF8 = "invalid-utf8"
        case invalidWindows1252 = "invalid-windows-1252"
        case unterminatedQuote = "unterminated-quote"
        case textAfterQuote = "text-after-quote"
        case rowTooLarge = "row-too-large"
        case writeFailed = "write-failed"
    }

    let kind: Code
    /// The file name as given to the reader or writer, such as `users.csv`.
    public let file: String
    /// The 1-based record number (the header is row 1), when the error belongs to a row.
    public let row: Int?
    /// The offset of the offending byte from the start of the file, when known.
    public let byteOffset: Int?
    /// The problem and its fix, without the file and row.
    public let message: String

    init(_ kind: Code, file: String, row: Int? = nil, byteOffset: Int? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.row = row
        self.byteOffset = byteOffset
        self.message = message
    }

    /// A short stable code such as `csv.invalid-utf8`, usable as a diagnostic rule id or metric label.
    public var code: String { "csv." + kind.rawValue }

    /// The error as an error diagnostic, for callers that report rather than stop.
    public var diagnostic: Diagnostic {
        Diagnostic(.error, rule: code, file: file, row: row, message: message)
    }
}

extension CSVError: CustomStringConvertible {
    /// The error in the form `users.csv: row 2: not valid UTF-8 (...)`.
    public var description: String {
        if let row { return "\(file): row \(row): \(message)" }
        return "\(file): \(message)"
    }
}
