import Foundation

/// The entries of an OpenSSH known_hosts file that apply to one host and port.
///
/// Lookup follows OpenSSH: port 22 is looked up as `host`, any other port as `[host]:port`, and an entry for
/// the bare host does not apply to other ports. Patterns may use `*`, `?` and `!` negation.
struct KnownHosts {
    /// One pinned key line.
    struct Entry: Equatable {
        /// Key type as written in the file, such as `ssh-ed25519`.
        let keyType: String
        /// The decoded public key blob.
        let key: [UInt8]
        /// Line number in the file, from 1.
        let line: Int
    }

    /// The name the lookup used: `host` or `[host]:port`.
    let hostName: String
    /// Pinned keys for `hostName`.
    private(set) var pinned: [Entry] = []
    /// Keys marked `@revoked` for `hostName`.
    private(set) var revoked: [Entry] = []
    /// Number of hashed (`|1|...`) lines, which this parser cannot match.
    private(set) var hashedLines = 0
    /// Lines that pin the bare host, which OpenSSH applies to port 22 only.
    private(set) var portTwentyTwoLines: [Int] = []

    /// Returns the lookup name OpenSSH uses for `host` and `port`.
    static func hostName(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// Parses `text` and keeps the entries that apply to `host` and `port`.
    init(text: String, host: String, port: Int) {
        hostName = Self.hostName(host: host, port: port)
        let bareName = host.lowercased()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var marker: Substring?
            if first.hasPrefix("@") {
                marker = first
                fields.removeFirst()
            }
            guard fields.count >= 3 else { continue }
            let patterns = fields[0]
            if patterns.hasPrefix("|") {
                hashedLines += 1
                continue
            }
            guard let key = Data(base64Encoded: String(fields[2])) else { continue }
            let entry = Entry(keyType: String(fields[1]), key: [UInt8](key), line: index + 1)
            if Self.matches(patterns: patterns, name: hostName.lowercased()) {
                switch marker {
                case nil: pinned.append(entry)
                case "@revoked": revoked.append(entry)
                // NOTE: @cert-authority lines are skipped, so host certificates are not accepted.
                default: break
                }
            } else if port != 22, marker == nil, Self.matches(patterns: patterns, name: bareName) {
                portTwentyTwoLines.append(index + 1)
            }
        }
    }

    /// Applies an OpenSSH pattern list: the name matches when a pattern matches and no negated pattern does.
    static func matches(patterns: Substring, name: String) -> Bool {
        var matched = false
        for pattern in patterns.split(separator: ",") {
            if pattern.hasPrefix("!") {
                if glob(Array(pattern.dropFirst().lowercased().utf8), Array(name.utf8)) { return false }
            } else if glob(Array(pattern.lowercased().utf8), Array(name.utf8)) {
                matched = true
            }
        }
        return matched
    }

    /// Matches `text` against a pattern where `*` is any run of characters and `?` is one character.
    private static func glob(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var starPattern = -1
        var starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                starPattern = p
                starText = t
                p += 1
            } else if starPattern >= 0 {
                p = starPattern + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
