import Foundation

/// Delivers `file` to `target` under `remoteName`, retrying transient failures within `retry`.
///
/// The file first arrives under `<remoteName>.partial` and is renamed once complete, so the final name never
/// contains a partial file. The call blocks until the file is delivered or the policy gives up, so run it on a
/// thread of its own, never on Swift's cooperative pool. Failures are returned in the result, never thrown.
public func deliver(
    file: String, remoteName: String, to target: DeliveryTarget, retry: RetryPolicy = RetryPolicy(),
    log: DeliveryLogHandler = { _ in }
) -> DeliveryResult {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(retry.totalTimeLimit))
    let location = deliveryLocation(of: target, remoteName: remoteName)
    let kind = targetKind(target)
    var attempts: [DeliveryAttempt] = []

    let size: Int64
    switch prepareSource(file: file, remoteName: remoteName, target: target) {
    case .success(let bytes):
        size = bytes
    case .failure(let failure):
        let now = Date()
        attempts.append(attemptRecord(number: 1, start: now, end: now, failure: failure))
        logFailure(failure, attempt: 1, kind: kind, location: location, delay: nil, log: log)
        return DeliveryResult(delivered: false, attempts: attempts, remoteLocation: location, bytes: 0)
    }

    for number in 1...retry.maximumAttempts {
        let start = Date()
        let remaining = max(0.001, (deadline - clock.now).seconds)
        let outcome = runAttempt(
            file: file, size: size, remoteName: remoteName, target: target,
            timeBudget: remaining, log: log)
        switch outcome {
        case .success:
            attempts.append(
                DeliveryAttempt(
                    number: number, start: start, end: Date(), outcome: .delivered,
                    message: "Delivered \(size) bytes to '\(location)'", code: nil, isTransient: false))
            log(
                DeliveryLogEntry(
                    level: .info, message: "package delivered",
                    metadata: ["target": kind, "location": location, "attempt": String(number), "bytes": String(size)]))
            return DeliveryResult(delivered: true, attempts: attempts, remoteLocation: location, bytes: size)
        case .failure(let failure):
            attempts.append(attemptRecord(number: number, start: start, end: Date(), failure: failure))
            guard failure.isTransient, number < retry.maximumAttempts else {
                logFailure(failure, attempt: number, kind: kind, location: location, delay: nil, log: log)
                return DeliveryResult(delivered: false, attempts: attempts, remoteLocation: location, bytes: 0)
            }
            let delay = retry.delay(
                afterAttempt: number, retryAfter: failure.retryAfter,
                jitter: Double.random(in: 0.5...1))
            guard clock.now.advanced(by: .seconds(delay)) < deadline else {
                logFailure(failure, attempt: number, kind: kind, location: location, delay: nil, log: log)
                return DeliveryResult(delivered: false, attempts: attempts, remoteLocation: location, bytes: 0)
            }
            logFailure(failure, attempt: number, kind: kind, location: location, delay: delay, log: log)
            Thread.sleep(forTimeInterval: delay)
        }
    }
    return DeliveryResult(delivered: false, attempts: attempts, remoteLocation: location, bytes: 0)
}

/// Runs one attempt on the transport of `target`, with every timeout cut to `timeBudget` seconds.
private func runAttempt(
    file: String, size: Int64, remoteName: String, target: DeliveryTarget, timeBudget: Double,
    log: DeliveryLogHandler
) -> Result<Void, DeliveryFailure> {
    switch target {
    case .folder(let path):
        return FolderTransport(directory: path).deliver(file: file, remoteName: remoteName)
    case .sftp(var destination):
        destination.connectTimeout = min(destination.connectTimeout, timeBudget)
        destination.transferTimeout = min(destination.transferTimeout, timeBudget)
        return SFTPTransport(destination: destination).deliver(file: file, remoteName: remoteName, log: log)
    case .https(var destination):
        destination.connectTimeout = min(destination.connectTimeout, timeBudget)
        destination.transferTimeout = min(destination.transferTimeout, timeBudget)
        return HTTPSTransport(destination: destination).deliver(file: file, size: size, remoteName: remoteName)
    }
}

/// Checks the remote name and the destination, then returns the size of the readable source file.
private func prepareSource(file: String, remoteName: String, target: DeliveryTarget) -> Result<Int64, DeliveryFailure> {
    if let problem = remoteNameProblem(remoteName) {
        return .failure(.permanent(.invalidDestination, problem))
    }
    if case .https(let destination) = target, let problem = HTTPSTransport.urlProblem(destination) {
        return .failure(.permanent(.invalidDestination, problem))
    }
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
        attributes[.type] as? FileAttributeType == .typeRegular,
        let size = attributes[.size] as? NSNumber, access(file, R_OK) == 0
    else {
        return .failure(
            .permanent(
                .sourceUnreadable, "Package file '\(file)' is missing or unreadable; expected a readable regular file"))
    }
    return .success(size.int64Value)
}

/// Returns why `name` cannot be a remote file name, or nil when it can.
func remoteNameProblem(_ name: String) -> String? {
    if name.isEmpty || name == "." || name == ".." || name.contains("/")
        || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    {
        return "Remote name '\(name)' is invalid; expected a file name without '/' or control characters"
    }
    return nil
}

private func attemptRecord(number: Int, start: Date, end: Date, failure: DeliveryFailure) -> DeliveryAttempt {
    DeliveryAttempt(
        number: number, start: start, end: end, outcome: .failed, message: failure.message,
        code: failure.code.rawValue, isTransient: failure.isTransient)
}

private func logFailure(
    _ failure: DeliveryFailure, attempt: Int, kind: String, location: String, delay: Double?,
    log: DeliveryLogHandler
) {
    var metadata = [
        "target": kind, "location": location, "attempt": String(attempt), "code": failure.code.rawValue,
        "transient": String(failure.isTransient), "error": failure.message,
    ]
    if let delay {
        metadata["retry_in_seconds"] = String(format: "%.3f", delay)
        log(DeliveryLogEntry(level: .warning, message: "delivery attempt failed, retrying", metadata: metadata))
    } else {
        log(DeliveryLogEntry(level: .error, message: "delivery failed", metadata: metadata))
    }
}

private func targetKind(_ target: DeliveryTarget) -> String {
    switch target {
    case .folder: return "folder"
    case .sftp: return "sftp"
    case .https: return "https"
    }
}

private func deliveryLocation(of target: DeliveryTarget, remoteName: String) -> String {
    switch target {
    case .folder(let path):
        return (path as NSString).appendingPathComponent(remoteName)
    case .sftp(let destination):
        // A relative directory starts at the login directory, written `/~/` as in curl's SFTP URLs.
        let path = SFTPTransport.remotePath(directory: destination.remoteDirectory, name: remoteName)
        let prefix = "sftp://\(destination.user)@\(destination.host):\(destination.port)"
        return path.hasPrefix("/") ? prefix + path : prefix + "/~/" + path
    case .https(let destination):
        return redactedURL(destination.url)
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
