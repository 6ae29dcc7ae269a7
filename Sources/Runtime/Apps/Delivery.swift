import Export
import Foundation
import Scripting

/// Hands a finished package to the destination an export's config names, and reports the outcome for the log.
///
/// The destination table of a csv export in config.lua:
/// - `{ type = "folder", path = "var/exports/app" }`;
/// - `{ type = "sftp", host =, port = 22, user =, path = remote folder, private_key = file, public_key = file,
///   passphrase =, known_hosts = file (required), allow_sha1_rsa = false, connect_timeout =, transfer_timeout = }`;
/// - `{ type = "https", url =, method = "PUT" or "POST", field = multipart field name (raw body without it),
///   headers = { name = value }, ca_file =, connect_timeout =, transfer_timeout = }`;
/// and for every type `retry = { attempts = 5, backoff = 2, max_backoff = 60, total = 600 }` (seconds).
enum Delivery {
    struct Outcome {
        var delivered: Bool
        /// The file's location at the destination, such as its path in the destination folder.
        var location: String?
        /// The attempts as JSON text, for the log.
        var attempts: String?
        var message: String?
    }

    static let destinationKeys: [String: [String]] = [
        "folder": ["path"],
        "sftp": [
            "host", "port", "user", "path", "private_key", "public_key", "passphrase", "known_hosts", "allow_sha1_rsa",
            "connect_timeout", "transfer_timeout",
        ],
        "https": [
            "url", "method", "field", "headers", "ca_file", "allow_insecure_loopback_http", "connect_timeout",
            "transfer_timeout",
        ],
    ]

    static func deliver(
        file: String, name: String, destination: [String: LuaValue], config: Config, logger: Logger
    ) -> Outcome {
        let target: DeliveryTarget
        let retry: RetryPolicy
        do {
            (target, retry) = try parse(destination, config: config)
        } catch {
            return Outcome(delivered: false, message: "\(error)")
        }
        let result = Export.deliver(file: file, remoteName: name, to: target, retry: retry) { entry in
            switch entry.level {
            case .debug: logger.debug(entry.message, entry.metadata)
            case .info: logger.info(entry.message, entry.metadata)
            case .warning: logger.warning(entry.message, entry.metadata)
            case .error: logger.error(entry.message, entry.metadata)
            }
        }
        let attempts = result.attempts.map { attempt in
            JSONAttempt(
                number: attempt.number, start: timestamp(attempt.start), end: timestamp(attempt.end),
                outcome: attempt.outcome.rawValue, message: attempt.message, code: attempt.code,
                transient: attempt.isTransient)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(attempts)).map { String(decoding: $0, as: UTF8.self) }
        let failure = result.delivered ? nil : result.attempts.last?.message
        return Outcome(delivered: result.delivered, location: result.remoteLocation, attempts: text, message: failure)
    }

    private struct JSONAttempt: Encodable {
        var number: Int
        var start: String
        var end: String
        var outcome: String
        var message: String
        var code: String?
        var transient: Bool
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Reads a destination table into a transport target and its retry policy.
    static func parse(_ table: [String: LuaValue], config: Config) throws -> (DeliveryTarget, RetryPolicy) {
        let type = table["type"]?.stringValue ?? ""
        guard let allowed = destinationKeys[type] else {
            throw DestinationError("destination type is '\(type)'; expected folder, sftp or https")
        }
        for key in table.keys where key != "type" && key != "retry" && !allowed.contains(key) {
            throw DestinationError(
                "unknown key '\(key)' in a \(type) destination; expected "
                    + (allowed + ["retry"]).joined(separator: ", "))
        }
        func text(_ key: String, required: Bool = true) throws -> String? {
            guard let value = table[key] else {
                if required { throw DestinationError("the \(type) destination needs '\(key)'") }
                return nil
            }
            guard let string = value.stringValue, !string.isEmpty else {
                throw DestinationError("'\(key)' of the \(type) destination must be a non-empty string")
            }
            return string
        }
        func number(_ key: String, default fallback: Double) throws -> Double {
            guard let value = table[key] else { return fallback }
            guard let number = value.doubleValue, number > 0 else {
                throw DestinationError("'\(key)' of the \(type) destination must be a positive number of seconds")
            }
            return number
        }
        func path(_ key: String, required: Bool = true) throws -> String? {
            try text(key, required: required).map(config.resolve)
        }

        let target: DeliveryTarget
        switch type {
        case "folder":
            target = .folder(path: try path("path") ?? "")
        case "sftp":
            var port = 22
            if let value = table["port"] {
                guard let number = value.doubleValue, number >= 1, number <= 65535, number.rounded() == number else {
                    throw DestinationError("'port' of the sftp destination must be a whole number from 1 to 65535")
                }
                port = Int(number)
            }
            var legacy = false
            if let value = table["allow_sha1_rsa"] {
                guard case .boolean(let flag) = value else {
                    throw DestinationError("'allow_sha1_rsa' of the sftp destination must be true or false")
                }
                legacy = flag
            }
            target = .sftp(
                SFTPDestination(
                    host: try text("host") ?? "", port: port, user: try text("user") ?? "",
                    remoteDirectory: try text("path") ?? "", privateKeyFile: try path("private_key") ?? "",
                    publicKeyFile: try path("public_key", required: false),
                    passphrase: try text("passphrase", required: false), knownHostsFile: try path("known_hosts") ?? "",
                    allowSHA1RSA: legacy, connectTimeout: try number("connect_timeout", default: 15),
                    transferTimeout: try number("transfer_timeout", default: 60)))
        case "https":
            let methodName = (try text("method", required: false) ?? "PUT").uppercased()
            guard let method = HTTPSDestination.Method(rawValue: methodName) else {
                throw DestinationError("'method' of the https destination is '\(methodName)'; expected PUT or POST")
            }
            var headers: [HTTPSDestination.Header] = []
            if let value = table["headers"] {
                guard case .map(let entries) = value else {
                    throw DestinationError("'headers' of the https destination must be a table of name = value")
                }
                for (key, item) in entries {
                    guard case .string(let name) = key, let headerValue = item.stringValue else {
                        throw DestinationError("'headers' of the https destination must map names to strings")
                    }
                    headers.append(HTTPSDestination.Header(name: name, value: headerValue))
                }
            }
            var loopback = false
            if case .boolean(let flag)? = table["allow_insecure_loopback_http"] { loopback = flag }
            target = .https(
                HTTPSDestination(
                    url: try text("url") ?? "", method: method,
                    body: try text("field", required: false).map { .multipart(field: $0) } ?? .raw,
                    headers: headers.sorted { $0.name < $1.name }, caBundleFile: try path("ca_file", required: false),
                    allowInsecureLoopbackHTTP: loopback, connectTimeout: try number("connect_timeout", default: 15),
                    transferTimeout: try number("transfer_timeout", default: 120)))
        default:
            throw DestinationError("destination type is '\(type)'; expected folder, sftp or https")
        }
        return (target, try retryPolicy(table["retry"]))
    }

    private static func retryPolicy(_ value: LuaValue?) throws -> RetryPolicy {
        guard let value else { return RetryPolicy() }
        guard case .map(let entries) = value else {
            throw DestinationError("'retry' must be a table such as { attempts = 5, backoff = 2 }")
        }
        var numbers: [String: Double] = [:]
        let names = ["attempts", "backoff", "max_backoff", "total"]
        for (key, item) in entries {
            guard case .string(let name) = key, names.contains(name) else {
                throw DestinationError(
                    "unknown key '\(key.value.debugText)' in 'retry'; expected " + names.joined(separator: ", "))
            }
            guard let number = item.doubleValue, number >= 0 else {
                throw DestinationError("'retry.\(name)' must be a non-negative number; got '\(item.debugText)'")
            }
            numbers[name] = number
        }
        return RetryPolicy(
            maximumAttempts: Int(numbers["attempts"] ?? 5), backoffBase: numbers["backoff"] ?? 2,
            backoffMaximum: numbers["max_backoff"] ?? 60, totalTimeLimit: numbers["total"] ?? 600)
    }
}

/// A destination table in config.lua that cannot be used.
struct DestinationError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
