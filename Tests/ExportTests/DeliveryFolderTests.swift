import Foundation
import Testing

@testable import Export

struct DeliveryFolderTests {
    let workspace: TemporaryFolder
    let package: String

    init() throws {
        workspace = try TemporaryFolder()
        package = try workspace.write("strict-vendor.zip", "new package\n")
    }

    @Test func folderIsCreatedWhenMissing() throws {
        let folder = workspace.file("out/nested")
        let result = deliver(file: package, remoteName: "strict-vendor.zip", to: .folder(path: folder), retry: .once)
        #expect(result.delivered)
        #expect(result.bytes == 12)
        #expect(result.remoteLocation == folder + "/strict-vendor.zip")
        #expect(try String(contentsOfFile: folder + "/strict-vendor.zip", encoding: .utf8) == "new package\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["strict-vendor.zip"])
    }

    @Test func olderFileIsReplacedAtomically() throws {
        let folder = workspace.file("out")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "old package\n".write(toFile: folder + "/strict-vendor.zip", atomically: false, encoding: .utf8)
        // A reader that opened the old file keeps reading the old bytes, which shows a rename, not a rewrite.
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: folder + "/strict-vendor.zip"))
        defer { try? reader.close() }

        let result = deliver(file: package, remoteName: "strict-vendor.zip", to: .folder(path: folder), retry: .once)

        #expect(result.delivered)
        #expect(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self) == "old package\n")
        #expect(try String(contentsOfFile: folder + "/strict-vendor.zip", encoding: .utf8) == "new package\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["strict-vendor.zip"])
    }

    @Test(.enabled(if: getuid() != 0, "root ignores folder permissions, so this check needs an ordinary user"))
    func unwritableFolderIsNotRetried() throws {
        let folder = workspace.file("locked")
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o555])
        let result = deliver(
            file: package, remoteName: "a.zip", to: .folder(path: folder), retry: RetryPolicy(maximumAttempts: 3))
        #expect(result.attempts.count == 1)
        #expect(result.attempts.first?.code == "folder_write_failed")
    }

    @Test func folderPathThroughFileIsRejected() throws {
        let blocker = try workspace.write("blocker", "a file, not a folder")
        let result = deliver(
            file: package, remoteName: "a.zip", to: .folder(path: blocker + "/out"),
            retry: RetryPolicy(maximumAttempts: 3))
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "folder_write_failed")
        #expect(attempt.message.hasPrefix("Could not create delivery folder '\(blocker)/out'"))
    }

    @Test(arguments: ["", ".", "..", "a/b.zip", "bad\nname.zip"])
    func invalidRemoteNameIsRejected(name: String) throws {
        let result = deliver(file: package, remoteName: name, to: .folder(path: workspace.file("out")), retry: .once)
        let attempt = try #require(result.attempts.first)
        #expect(!result.delivered)
        #expect(attempt.code == "invalid_destination")
        #expect(
            attempt.message
                == "Remote name '\(name)' is invalid; expected a file name without '/' or control characters")
    }

    @Test func missingPackageFailsOnce() throws {
        let missing = workspace.file("absent.zip")
        let result = deliver(
            file: missing, remoteName: "a.zip", to: .folder(path: workspace.file("out")),
            retry: RetryPolicy(maximumAttempts: 4))
        let attempt = try #require(result.attempts.first)
        #expect(result.attempts.count == 1)
        #expect(attempt.code == "source_unreadable")
        #expect(
            attempt.message == "Package file '\(missing)' is missing or unreadable; expected a readable regular file")
        #expect(!FileManager.default.fileExists(atPath: workspace.file("out")))
    }
}

struct DeliveryRetryPolicyTests {
    @Test func backoffDoublesUpToMaximum() {
        let policy = RetryPolicy(maximumAttempts: 6, backoffBase: 1, backoffMaximum: 5, totalTimeLimit: 100)
        let delays = (1...5).map { policy.delay(afterAttempt: $0, retryAfter: nil, jitter: 1) }
        #expect(delays == [1, 2, 4, 5, 5])
    }

    @Test func jitterScalesBetweenHalfAndFull() {
        let policy = RetryPolicy(backoffBase: 4, backoffMaximum: 60)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, jitter: 0.5) == 2)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, jitter: 0.1) == 2)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, jitter: 3) == 4)
    }

    @Test func retryAfterIsBoundedByMaximum() {
        let policy = RetryPolicy(backoffBase: 1, backoffMaximum: 30)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 12, jitter: 0.5) == 12)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3600, jitter: 0.5) == 30)
        #expect(policy.delay(afterAttempt: 1, retryAfter: -5, jitter: 0.5) == 0)
    }

    @Test func invalidValuesAreRaisedToMinimum() {
        let policy = RetryPolicy(maximumAttempts: 0, backoffBase: -1, backoffMaximum: -1, totalTimeLimit: -1)
        #expect(policy.maximumAttempts == 1)
        #expect(policy.backoffBase == 0)
        #expect(policy.backoffMaximum == 0)
        #expect(policy.totalTimeLimit == 0)
    }
}
