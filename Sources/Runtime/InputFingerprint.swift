import Archive
import COpenSSL
import Foundation
import OneRoster

/// A SHA-256 digest of everything a run reads from files: each file's bytes with how it is read (entity, mode,
/// version, encoding), the grade map, and the Rollbook version, whose rules decide what the bytes become.
///
/// Two runs with the same fingerprint read the same records and reach the same findings, so a later run with the
/// fingerprint of the last published run can skip reading and checking: nothing in it can change the snapshot.
/// A first load takes the digest of the bytes as it reads them (`HashingByteSource`), so it reads each file once.
final class InputFingerprint {
    private let context: OpaquePointer
    private var fileLength: UInt64 = 0
    private(set) var failed = false

    init?(gradeMap: [String: String]) {
        guard let context = EVP_MD_CTX_new() else { return nil }
        self.context = context
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            return nil
        }
        var header = "rollbook-input 1\nrollbook \(Application.version)\n"
        for (from, to) in gradeMap.sorted(by: { $0.key < $1.key }) { header += "grade \(from)=\(to)\n" }
        add(Array(header.utf8))
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Starts a file; its bytes follow through `add`, then `endFile()`.
    func beginFile(_ job: FileJob) {
        let name = job.entry ?? (job.path as NSString).lastPathComponent
        add(
            Array(
                "file \(job.entity.rawValue) \(job.mode.rawValue) \(job.version.rawValue) \(job.encoding) \(name)\n"
                    .utf8))
        fileLength = 0
    }

    func add(_ bytes: UnsafeRawBufferPointer) {
        guard !failed, bytes.count > 0 else { return }
        if EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) != 1 { failed = true }
        fileLength += UInt64(bytes.count)
    }

    /// Ends a file with its length, so bytes cannot move from one file to the next unnoticed.
    func endFile() {
        add(Array("\nlength \(fileLength)\n".utf8))
    }

    /// Gives up: a file was not read whole, so the digest would not stand for the input.
    func abandon() {
        failed = true
    }

    /// Returns the digest as `sha256:<hex>`, or nil when hashing failed; call it once.
    func finish() -> String? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard !failed, EVP_DigestFinal_ex(context, &digest, &length) == 1 else { return nil }
        return "sha256:" + digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    private func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { add($0) }
    }

    /// Returns the fingerprint of the files a connector handed over, reading each file whole, or nil when it
    /// emitted records one by one (they come from a live source, not from files) or a file cannot be read.
    static func of(_ intake: Intake, gradeMap: [String: String]) -> String? {
        guard intake.emitted.isEmpty, let fingerprint = InputFingerprint(gradeMap: gradeMap)
        else { return nil }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for entity in Entity.allCases {
            for job in intake.files[entity] ?? [] {
                fingerprint.beginFile(job)
                guard let source = try? openSource(job) else { return nil }
                while true {
                    guard let count = try? source.read(into: buffer) else { return nil }
                    if count == 0 { break }
                    fingerprint.add(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
                fingerprint.endFile()
            }
        }
        return fingerprint.finish()
    }

    static func openSource(_ job: FileJob) throws -> (any ByteSource)? {
        guard let entry = job.entry else { return try FileByteSource(path: job.path) }
        let (package, _) = try PackageSource.open(path: job.path)
        return try package.source(for: entry)
    }
}

/// A byte source that adds everything read through it to a fingerprint.
final class HashingByteSource: ByteSource {
    private let inner: any ByteSource
    private let fingerprint: InputFingerprint

    init(_ inner: any ByteSource, into fingerprint: InputFingerprint) {
        self.inner = inner
        self.fingerprint = fingerprint
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try inner.read(into: buffer)
        fingerprint.add(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        return count
    }
}
