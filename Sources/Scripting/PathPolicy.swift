import Glibc

/// The directories a run may read from, compared after symbolic links and `..` are resolved.
struct PathPolicy {
    /// The reason a path was not resolved.
    enum Failure: Error, CustomStringConvertible {
        /// The path leads outside every allowed root: a caller mistake.
        case outsideRoots(path: String, roots: [String])
        /// The path is inside a root but cannot be resolved, such as a missing file.
        case unreadable(path: String, reason: String)

        var description: String {
            switch self {
            case .outsideRoots(let path, let roots):
                if roots.isEmpty {
                    return "path '\(path)' is not allowed: this run has no file roots configured"
                }
                let list = roots.map { "'\($0)'" }.joined(separator: ", ")
                return "path '\(path)' is outside the allowed roots (\(list)); "
                    + "symbolic links and '..' are resolved before the check"
            case .unreadable(let path, let reason):
                return "cannot open '\(path)': \(reason)"
            }
        }
    }

    /// Canonical absolute roots.
    let roots: [String]

    init(roots: [String]) throws {
        var resolved: [String] = []
        for root in roots {
            guard let canonical = realPath(root) else {
                let reason = String(cString: strerror(errno))
                throw ScriptError.io(
                    script: "(configuration)", message: "file root '\(root)' cannot be resolved: \(reason)")
            }
            resolved.append(canonical)
        }
        self.roots = resolved
    }

    /// Resolves `path` and checks it against the roots. A relative path is taken from the first root.
    func resolve(_ path: String) throws(Failure) -> String {
        let absolute: String
        if path.hasPrefix("/") {
            absolute = path
        } else if let first = roots.first {
            absolute = first + "/" + path
        } else {
            throw .outsideRoots(path: path, roots: roots)
        }
        if let canonical = realPath(absolute) {
            guard isInside(canonical) else { throw .outsideRoots(path: path, roots: roots) }
            return canonical
        }
        let reason = String(cString: strerror(errno))
        // Report a missing file only when the path lies lexically inside a root, so nothing leaks about other paths.
        guard isInside(lexicallyNormalized(absolute)) else { throw .outsideRoots(path: path, roots: roots) }
        throw .unreadable(path: path, reason: reason)
    }

    private func isInside(_ canonical: String) -> Bool {
        roots.contains { root in
            canonical == root || canonical.hasPrefix(root == "/" ? "/" : root + "/")
        }
    }

    private func lexicallyNormalized(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// Returns the canonical form of a path from `realpath(3)`, or nil with `errno` set.
func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
