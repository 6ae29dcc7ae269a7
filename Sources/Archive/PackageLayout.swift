import OneRoster

/// The entries of a zip or folder that form the package, chosen from their relative paths alone.
///
/// The package folder is the one that contains `manifest.csv`. Without a manifest it is the root when CSV files
/// are there, else the one top-level folder that has CSV files. macOS metadata (`__MACOSX/`, `._*`, `.DS_Store`)
/// is skipped, and two manifests are an error because guessing the right one could import the wrong roster.
struct PackageLayout {
    /// The package folder with a trailing `/`, or empty for the root.
    let folder: String
    /// The CSV files of the package folder other than the manifest, by lower-cased file name.
    let files: [String: String]
    /// The manifest's relative path, if the package has one.
    let manifest: String?
    let diagnostics: [Diagnostic]

    /// Chooses the package folder among `paths`, relative file paths with `/` separators and no folder entries.
    ///
    /// `container` is "zip" or "folder" and starts error messages.
    init(paths: [String], container: String, path: String) throws(PackageError) {
        var diagnostics: [Diagnostic] = []
        let junk = paths.filter(Self.isMacOSMetadata)
        let candidates = paths.filter { !Self.isMacOSMetadata($0) }
        if !junk.isEmpty {
            let noun = junk.count == 1 ? "entry" : "entries"
            diagnostics.append(
                Diagnostic(
                    .info, rule: "package.junk-ignored",
                    message: "ignored \(junk.count) macOS metadata \(noun) (__MACOSX/, ._*, .DS_Store)"))
        }

        let manifests = candidates.filter { Self.fileName(of: $0).lowercased() == "manifest.csv" }.sorted()
        if manifests.count > 1 {
            // Sorting the folder parts puts the root (an empty folder) first.
            let folders = manifests.map(Self.folder(of:)).sorted().map { $0.isEmpty ? "./" : $0 }
            throw PackageError(
                .multipleManifests, path: path,
                message:
                    "\(container) contains \(manifests.count) manifest.csv files (\(folders.joined(separator: ", ")))")
        }

        let csvFiles = candidates.filter { Self.fileName(of: $0).lowercased().hasSuffix(".csv") }
        let folder: String
        if let manifest = manifests.first {
            folder = Self.folder(of: manifest)
        } else if csvFiles.contains(where: { Self.folder(of: $0).isEmpty }) {
            folder = ""
        } else {
            let topFolders = Set(csvFiles.compactMap { $0.split(separator: "/").first.map { String($0) + "/" } })
            guard topFolders.count == 1, let only = topFolders.first else {
                let found = topFolders.isEmpty ? "" : " (found \(topFolders.sorted().joined(separator: ", ")))"
                throw PackageError(
                    .noCSVFiles, path: path,
                    message: "\(container) has no CSV files at its root or in one top-level folder\(found)")
            }
            folder = only
        }
        if !folder.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .info, rule: "package.unwrapped",
                    message: "the package files are read from the folder '\(folder)' inside the \(container)"))
        }

        var files: [String: String] = [:]
        var ignored: [String] = []
        for candidate in candidates.sorted() where candidate != manifests.first {
            let name = Self.fileName(of: candidate)
            guard Self.folder(of: candidate) == folder, name.lowercased().hasSuffix(".csv") else {
                ignored.append(candidate)
                continue
            }
            if let other = files[name.lowercased()] {
                throw PackageError(
                    .ambiguousName, path: path,
                    message: "\(container) contains both \(other) and \(candidate); remove one of them")
            }
            files[name.lowercased()] = candidate
        }
        if !ignored.isEmpty {
            let examples = ignored.prefix(5).joined(separator: ", ") + (ignored.count > 5 ? ", ..." : "")
            diagnostics.append(
                Diagnostic(
                    .info, rule: "package.other-ignored",
                    message:
                        "ignored \(ignored.count) \(ignored.count == 1 ? "entry that is" : "entries that are") not a "
                        + "CSV file of the package folder: \(examples)"))
        }

        self.folder = folder
        self.files = files
        self.manifest = manifests.first
        self.diagnostics = diagnostics
    }

    /// Returns whether a path is metadata that macOS Finder adds to zips and folders.
    static func isMacOSMetadata(_ path: String) -> Bool {
        let name = fileName(of: path)
        return path.split(separator: "/").contains("__MACOSX") || name.hasPrefix("._") || name == ".DS_Store"
    }

    /// Returns the last component of a relative path.
    static func fileName(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Returns the folder part of a relative path with a trailing `/`, or an empty string at the root.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
