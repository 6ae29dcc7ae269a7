import Foundation
import OneRoster
import Testing

@Suite("CSVReader streaming")
struct CSVReaderStreamingTests {
    /// Text that exercises every dialect rule at once, with multi-byte characters in quoted and plain fields.
    static let sample =
        "\u{FEFF}sourcedId,givenName,note\r\n"
        + "u-1,José,\"says \"\"olá\"\", then\r\nleaves\"\r\n"
        + "\r\n"
        + "u-2,Søren,🎓 graduate\r"
        + "u-3,\"李,明\",\n"
        + "u-4,Chloé,last row without newline"

    static let expected: [ReadRow] = [
        ReadRow(row: 1, fields: ["sourcedId", "givenName", "note"]),
        ReadRow(row: 2, fields: ["u-1", "José", "says \"olá\", then\r\nleaves"]),
        ReadRow(row: 4, fields: ["u-2", "Søren", "🎓 graduate"]),
        ReadRow(row: 5, fields: ["u-3", "李,明", ""]),
        ReadRow(row: 6, fields: ["u-4", "Chloé", "last row without newline"]),
    ]

    @Test(arguments: [4, 5, 6, 7, 8, 11, 16, 64, 1024])
    func tinyBufferSameRows(bufferCapacity: Int) throws {
        #expect(try readAllRows(Self.sample, bufferCapacity: bufferCapacity) == Self.expected)
    }

    @Test(arguments: [4, 5, 7, 13, 64, CSVReader.defaultBufferCapacity])
    func chunkedReadsSameRows(bufferCapacity: Int) throws {
        #expect(try readAllRows(Self.sample, bufferCapacity: bufferCapacity, chunked: true) == Self.expected)
    }

    @Test func multiByteCharacterSplitAcrossReads() throws {
        // "é" is C3 A9 and "🎓" is four bytes; one- to seven-byte reads split them at every position in turn.
        let text = String(repeating: "é🎓,", count: 40) + "end\n"
        let rows = try readAllRows(text, bufferCapacity: 6, chunked: true)
        #expect(rows.count == 1)
        #expect(rows[0].fields.count == 41)
        #expect(rows[0].fields.dropLast().allSatisfy { $0 == "é🎓" })
    }

    @Test func rowLargerThanBuffer() throws {
        let long = String(repeating: "abcdefghij", count: 10_000)
        let text = "id,value\n1,\(long)\n2,\"\(long)\"\"\n\(long)\"\n3,short\n"
        let rows = try readAllRows(text, bufferCapacity: 1024, chunked: true)
        #expect(rows.count == 4)
        #expect(rows[1].fields == ["1", long])
        #expect(rows[2].fields == ["2", long + "\"\n" + long])
        #expect(rows[3] == ReadRow(row: 4, fields: ["3", "short"]))
    }

    @Test func defaultBufferRefilledManyTimes() throws {
        var text = "sourcedId,givenName,grades\r\n"
        for index in 0..<30_000 { text += "u-\(index),Chloé \(index),\"09,10\"\r\n" }
        let rows = try readAllRows(text)
        #expect(text.utf8.count > 3 * CSVReader.defaultBufferCapacity)
        #expect(rows.count == 30_001)
        for (offset, row) in rows.dropFirst().enumerated()
        where row.fields != ["u-\(offset)", "Chloé \(offset)", "09,10"] {
            Issue.record("row \(row.row) is \(row.fields)")
            break
        }
        #expect(rows.last?.row == 30_001)
    }

    @Test func crlfSplitAtBufferEnd() throws {
        // With a four-byte buffer the CR of "ab,c\r\n" lands last in a buffer and its LF in the next.
        let rows = try readAllRows("ab,c\r\nd\r\n", bufferCapacity: 4)
        #expect(rows == [ReadRow(row: 1, fields: ["ab", "c"]), ReadRow(row: 2, fields: ["d"])])
    }

    @Test func invalidByteOffsetAcrossBuffers() throws {
        let prefix = Array(String(repeating: "abcdefgh,ijklmnop\n", count: 100).utf8)
        let bytes = prefix + Array("x,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        let error = #expect(throws: CSVError.self) { try readAllRows(bytes, bufferCapacity: 16, chunked: true) }
        #expect(error?.row == 101)
        #expect(error?.byteOffset == prefix.count + 2)
    }

    @Test func byteOrderMarkWithChunkedReads() throws {
        let rows = try readAllRows([0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8), bufferCapacity: 4, chunked: true)
        #expect(rows == [ReadRow(row: 1, fields: ["a", "b"])])
    }
}
