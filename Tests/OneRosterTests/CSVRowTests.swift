import Foundation
import OneRoster
import Testing

@Suite("CSVReader byte rows")
struct CSVRowTests {
    /// Reads every row of `bytes` both ways, in chunks of `chunk` bytes.
    private func readBothWays(_ bytes: [UInt8], encoding: TextEncoding = .utf8, chunk: Int = .max) throws -> (
        strings: [[String]], byteRows: [[String]], rowNumbers: [Int]
    ) {
        let stringReader = CSVReader(
            source: DataByteSource(Data(bytes), maximumChunk: chunk), fileName: "t.csv", encoding: encoding,
            bufferCapacity: 8)
        var strings: [[String]] = []
        var fields: [String] = []
        while try stringReader.readRow(into: &fields) { strings.append(fields) }

        let byteReader = CSVReader(
            source: DataByteSource(Data(bytes), maximumChunk: chunk), fileName: "t.csv", encoding: encoding,
            bufferCapacity: 8)
        var byteRows: [[String]] = []
        var rowNumbers: [Int] = []
        var row = CSVRow()
        while try byteReader.readRow(into: &row) {
            byteRows.append(row.fields)
            rowNumbers.append(byteReader.rowNumber)
        }
        return (strings, byteRows, rowNumbers)
    }

    @Test func quotedFieldsMatchStringRows() throws {
        let text = "sourcedId,name\r\n\"a,1\",\"say \"\"hi\"\"\"\n\nb,\"line\nbreak\"\nc,"
        let result = try readBothWays(Array(text.utf8), chunk: 3)
        #expect(result.byteRows == result.strings)
        #expect(result.byteRows[1] == ["a,1", "say \"hi\""])
        #expect(result.byteRows[3] == ["c", ""])
        #expect(result.rowNumbers == [1, 2, 4, 5])
    }

    @Test func windows1252MatchesStringRows() throws {
        let bytes: [UInt8] = Array("name\n".utf8) + [0x43, 0x61, 0x66, 0xE9, 0x80, 0x0A]
        let result = try readBothWays(bytes, encoding: .windows1252)
        #expect(result.byteRows == result.strings)
        #expect(result.byteRows[1] == ["Café€"])
    }

    @Test func fieldBytesAndCounts() throws {
        let reader = CSVReader(source: DataByteSource("ab,,cde\n"), fileName: "t.csv")
        var row = CSVRow()
        #expect(try reader.readRow(into: &row))
        #expect(row.count == 3)
        #expect(row.byteCount == 5)
        #expect(row.byteCount(1) == 0)
        #expect(row.withField(2) { Array($0) } == Array("cde".utf8))
        #expect(row.withFields { $0.count } == 3)
        #expect(row.withFields { Array($0[0]) } == Array("ab".utf8))
        #expect(try reader.readRow(into: &row) == false)
    }

    @Test func invalidUTF8RaisesSameError() throws {
        let bytes: [UInt8] = Array("a\n".utf8) + [0x62, 0xFF, 0x0A]
        let reader = CSVReader(source: DataByteSource(Data(bytes)), fileName: "t.csv")
        var row = CSVRow()
        #expect(try reader.readRow(into: &row))
        #expect(throws: CSVError.self) { try reader.readRow(into: &row) }
        #expect(reader.rowNumber == 1)
        // The reader stays failed, as the string form does.
        #expect(throws: CSVError.self) { try reader.readRow(into: &row) }
    }
}
