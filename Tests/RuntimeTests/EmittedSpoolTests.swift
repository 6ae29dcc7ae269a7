import Foundation
import OneRoster
import Testing

@testable import Runtime

/// Returns the values of a users record with `sourcedId` set and the given columns filled in.
private func userValues(_ sourcedId: String, _ fields: [String: String?] = [:]) -> [String?] {
    var values = [String?](repeating: nil, count: Schema.columns(of: .users).count)
    values[0] = sourcedId
    for (name, value) in fields {
        guard let index = Schema.index(of: name, in: .users) else {
            Issue.record("'\(name)' is not a users column")
            continue
        }
        values[index] = value
    }
    return values
}

/// Reads every record of a spool back. It stops after one record more than the spool has, so a reader that never
/// ends fails the test instead of looping.
private func readAll(_ spool: EmittedSpool, bufferSize: Int = EmittedSpool.defaultBufferSize, emptyAsNil: Bool = false)
    throws -> [EmittedRecord]
{
    let reader = try spool.makeReader(bufferSize: bufferSize)
    var records: [EmittedRecord] = []
    while records.count <= spool.count, let record = try reader.next(emptyAsNil: emptyAsNil) {
        records.append(record)
    }
    return records
}

struct EmittedSpoolTests {
    @Test func roundTripKeepsValuesExactly() throws {
        let directory = try TemporaryDirectory()
        let spool = try EmittedSpool(entity: .users, folder: directory.path)
        let long = String(repeating: "Ω-long value ", count: 20_000)
        let values = userValues(
            "u-1",
            [
                "username": "", "givenName": "Zoë", "familyName": "Nguyễn 李", "middleName": long,
                "email": "a@example.org",
            ])
        let extensions = [
            Extension(name: "colour", value: "blue"), Extension(name: "metadata.empty", value: ""),
            Extension(name: "metadata.note", value: "façade ✓"),
        ]
        try spool.append(values, extensions: extensions)

        let records = try readAll(spool)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.row == 1)
        #expect(record.record.entity == .users)
        #expect(record.record.values == values)
        #expect(record.record["username"] == "")
        #expect(record.record["phone"] == nil)
        #expect(record.record["middleName"] == long)
        #expect(record.record.extensions == extensions)
    }

    @Test func emptyAsNilBlanksEmptyValues() throws {
        let directory = try TemporaryDirectory()
        let spool = try EmittedSpool(entity: .users, folder: directory.path)
        try spool.append(
            userValues("u-1", ["username": "", "givenName": "Avery"]),
            extensions: [Extension(name: "metadata.empty", value: "")])

        let record = try #require(try readAll(spool, emptyAsNil: true).first)
        #expect(record.record["username"] == nil)
        #expect(record.record["givenName"] == "Avery")
        // Extensions are kept as given: an empty extension value is still a value.
        #expect(record.record.extensions == [Extension(name: "metadata.empty", value: "")])
    }

    @Test func manyRecordsCrossBufferSize() throws {
        let directory = try TemporaryDirectory()
        // A 64-byte buffer makes almost every record straddle a buffer boundary, and some are larger than it.
        let spool = try EmittedSpool(entity: .users, folder: directory.path, bufferSize: 64)
        var expected: [([String?], [Extension])] = []
        for number in 1...3_000 {
            let name = String(repeating: "é", count: number % 97)
            let values = userValues("u-\(number)", ["givenName": name, "familyName": number % 5 == 0 ? "" : nil])
            let extensions = number % 3 == 0 ? [Extension(name: "metadata.n", value: String(number))] : []
            try spool.append(values, extensions: extensions)
            expected.append((values, extensions))
        }
        #expect(spool.count == 3_000)

        for bufferSize in [16, 64, 1_000, EmittedSpool.defaultBufferSize] {
            let records = try readAll(spool, bufferSize: bufferSize)
            #expect(records.count == expected.count, "buffer size \(bufferSize)")
            for (index, record) in records.enumerated() where index < expected.count {
                #expect(record.row == index + 1)
                #expect(record.record.values == expected[index].0, "row \(index + 1), buffer size \(bufferSize)")
                #expect(record.record.extensions == expected[index].1, "row \(index + 1), buffer size \(bufferSize)")
            }
        }
    }

    @Test func emptySpoolReadsNothing() throws {
        let directory = try TemporaryDirectory()
        let spool = try EmittedSpool(entity: .enrollments, folder: directory.path)
        #expect(spool.isEmpty)
        #expect(spool.count == 0)
        let reader = try spool.makeReader()
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test func fileHasNoNameInFolder() throws {
        let directory = try TemporaryDirectory()
        let spool = try EmittedSpool(entity: .users, folder: directory.path, bufferSize: 64)
        for number in 1...100 { try spool.append(userValues("u-\(number)"), extensions: []) }
        _ = try spool.makeReader()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
        #expect(spool.count == 100)
    }

    @Test(arguments: [unnamedFileFlag, nil])
    func createdFileHasNoName(flag: Int32?) throws {
        let directory = try TemporaryDirectory()
        let descriptor = try EmittedSpool.createUnnamedFile(in: directory.path, entity: .users, flag: flag)
        defer { close(descriptor) }
        #expect(descriptor >= 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
        #expect(target.hasPrefix(directory.path + "/"), "\(target)")
        #expect(target.hasSuffix(" (deleted)"), "\(target)")
        #expect(write(descriptor, "abc", 3) == 3)
    }

    @Test func missingFolderFailsNamingIt() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("missing")
        do {
            _ = try EmittedSpool(entity: .users, folder: folder)
            Issue.record("a spool was created in a missing folder")
        } catch let error as EmittedSpoolError {
            #expect(error.code == "spool.create")
            #expect(
                error.description
                    == "could not create a temporary file for the emitted 'users' records in the temporary folder "
                    + "'\(folder)': No such file or directory (errno 2); set TMPDIR to a writable folder")
        }
    }

    @Test func temporaryFolderDefaultsToTmp() {
        let folder = EmittedSpool.temporaryFolder()
        if let value = ProcessInfo.processInfo.environment["TMPDIR"], !value.isEmpty {
            #expect(folder == value)
        } else {
            #expect(folder == "/tmp")
        }
    }
}
