import Foundation
import OneRoster

/// A OneRoster CSV package, from a folder or a `.zip` file, giving a byte stream for each of its files.
public final class PackageSource {
    private enum Storage {
        case folder(URL)
        case zip(ZipArchive, entries: [String: ZipArchive.Entry])
    }

    /// The folder or zip path the package was opened from.
    public let path: String
    /// The CSV files of the package other than `manifest.csv`, as named in the package (e.g. `userprofiles.csv`).
    public let fileNames: [String]
    private let layout: PackageLayout
    private let storage: Storage

    /// Whether the package has a `manifest.csv`; when it does not, the caller reports `manifest.missing`.
    public var hasManifest: Bool { layout.manifest != nil }

    /// The rostering entities whose files are in the package, for `Manifest.parse(presentEntities:)`.
    public var presentEntities: Set<Entity> {
        Set(fileNames.compactMap { Entity(fileName: $0) })
    }

    private init(path: String, layout: PackageLayout, storage: Storage) {
        self.path = path
        self.layout = layout
        self.storage = storage
        self.fileNames = layout.files.values.map(PackageLayout.fileName(of:)).sorted()
    }

    /// Opens a folder, or a zip file when `path` is not a folder.
    ///
    /// The diagnostics are informational notes such as `package.unwrapped` and `package.junk-ignored`, with the
    /// package path as their file. Two manifests, no CSV files, or two files whose names differ only in case throw.
    public static func open(path: String) throws(PackageError) -> (PackageSource, [Diagnostic]) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw PackageError(.openFailed, path: path, message: "'\(path)' does not exist")
        }
        let package: PackageSource
        if isFolder.boolValue {
            package = try openFolder(path)
        } else {
            package = try openZip(path)
        }
        let diagnostics = package.layout.diagnostics.map { diagnostic in
            var located = diagnostic
            located.file = path
            return located
        }
        return (package, diagnostics)
    }

    private static func openFolder(_ path: String) throws(PackageError) -> PackageSource {
        let root = URL(fileURLWithPath: path, isDirectory: true)
        let paths = try listFolder(root, path: path)
        let layout = try PackageLayout(paths: paths, container: "folder", path: path)
        return PackageSource(path: path, layout: layout, storage: .folder(root))
    }

    /// Lists the files of a folder and of its immediate subfolders, which is as deep as a package may sit.
    private static func listFolder(_ root: URL, path: String) throws(PackageError) -> [String] {
        let manager = FileManager.default
        var paths: [String] = []
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: root.path)
        } catch {
            throw PackageError(.openFailed, path: path, message: "failed to list folder '\(path)': \(error)")
        }
        for name in names {
            var isFolder: ObjCBool = false
            let child = root.appendingPathComponent(name)
            guard manager.fileExists(atPath: child.path, isDirectory: &isFolder) else { continue }
            guard isFolder.boolValue else {
                paths.append(name)
                continue
            }
            // A subfolder that cannot be listed contributes nothing, like an empty one.
            for inner in (try? manager.contentsOfDirectory(atPath: child.path)) ?? [] {
                var innerIsFolder: ObjCBool = false
                let innerPath = child.appendingPathComponent(inner).path
                if manager.fileExists(atPath: innerPath, isDirectory: &innerIsFolder), !innerIsFolder.boolValue {
                    paths.append(name + "/" + inner)
                }
            }
        }
        return paths
    }

    private static func openZip(_ path: String) throws(PackageError) -> PackageSource {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(path: path)
        } catch {
            throw PackageError(.openFailed, path: path, message: error.description)
        }
        let files = archive.entries.filter { !$0.isDirectory }
        let layout = try PackageLayout(paths: files.map(\.name), container: "zip", path: path)
        var entries: [String: ZipArchive.Entry] = [:]
        for entry in files { entries[entry.name] = entry }
        return PackageSource(path: path, layout: layout, storage: .zip(archive, entries: entries))
    }

    /// Opens a package file by name, ignoring letter case; returns nil when the package has no such file.
    public func source(for fileName: String) throws(PackageError) -> (any ByteSource)? {
        let lowered = fileName.lowercased()
        if lowered == "manifest.csv" { return try manifestSource() }
        guard let relative = layout.files[lowered] else { return nil }
        return try open(relative)
    }

    /// Opens `manifest.csv`, or returns nil when the package has none.
    public func manifestSource() throws(PackageError) -> (any ByteSource)? {
        guard let manifest = layout.manifest else { return nil }
        return try open(manifest)
    }

    /// Returns the uncompressed size in bytes of a package file, or nil when it is unknown or not there.
    public func size(of fileName: String) -> Int? {
        guard let relative = layout.files[fileName.lowercased()] else { return nil }
        switch storage {
        case .folder(let root):
            let path = root.appendingPathComponent(relative).path
            return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        case .zip(_, let entries):
            return entries[relative].map { Int($0.size) }
        }
    }

    /// Returns the name to show in diagnostics: the file's path inside the package, such as `export/users.csv`.
    ///
    /// A name the package does not have is returned unchanged.
    public func displayName(for fileName: String) -> String {
        let lowered = fileName.lowercased()
        if lowered == "manifest.csv", let manifest = layout.manifest { return manifest }
        return layout.files[lowered] ?? fileName
    }

    private func open(_ relative: String) throws(PackageError) -> any ByteSource {
        switch storage {
        case .folder(let root):
            do {
                return try FileByteSource(path: root.appendingPathComponent(relative).path)
            } catch {
                throw PackageError(.openFailed, path: path, message: error.description)
            }
        case .zip(let archive, let entries):
            guard let entry = entries[relative] else {
                throw PackageError(.openFailed, path: path, message: "zip has no entry '\(relative)'")
            }
            do {
                return try archive.open(entry)
            } catch {
                throw PackageError(.openFailed, path: path, message: error.description)
            }
        }
    }
}
