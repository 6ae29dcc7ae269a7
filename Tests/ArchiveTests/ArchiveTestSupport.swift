import Foundation
import OneRoster

/// The read-only shared test data (cases and samples), when it is present.
enum SharedData {
    /// The first `shared` folder with a `cases` folder in it, found next to the package root or next to one of
    /// its parent folders (a git worktree sits one level deeper than the main checkout).
    static let directory: URL? = {
        // The package root is three levels above this file.
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            let candidate = folder.appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("cases").path) {
                return candidate
            }
        }
        return nil
    }()

    static var isAvailable: Bool { directory != nil }

    static func path(_ relative: String) -> String {
        (directory ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent(relative).path
    }
}

/// A temporary folder filled with the given files, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    /// Creates the folder and writes each file, creating subfolders as needed.
    init(files: [String: String]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("package-\(UUID().uuidString)")
        for (relative, text) in files {
            let file = url.appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
    }

    var path: String { url.path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Reads a whole byte source into memory; fine for the small files of tests.
func readAll(_ source: any ByteSource) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { return bytes }
        bytes += chunk[0..<count]
    }
}

/// Reads every row of a CSV source.
func readRows(_ source: any ByteSource, fileName: String) throws -> [[String]] {
    let reader = CSVReader(source: source, fileName: fileName)
    var rows: [[String]] = []
    var fields: [String] = []
    while try reader.readRow(into: &fields) { rows.append(fields) }
    return rows
}

let minimalManifest = "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\n"
let minimalOrgs = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nsch-1,,,Larkspur,school,,\n"
