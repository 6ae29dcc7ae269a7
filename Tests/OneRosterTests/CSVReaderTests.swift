import Foundation
import OneRoster
import Testing

@Suite("CSVReader dialect")
struct CSVReaderTests {
    @Test func byteOrderMarkSkipped() throws {
        let rows = try readAllRows([0xEF, 0xBB, 0xBF] + Array("sourcedId,name\nsch-1,Larkspur\n".utf8))
        #expect(rows.first?.fields.first == "sourcedId")
        #expect(rows.first?.fields.first?.unicodeScalars.first == "s")
        #expect(rows.count == 2)
    }

    @Test func byteOrderMarkOnlyAtStart() throws {
        let rows = try readAllRows(Array("a\n\u{FEFF}b\n".utf8))
        #expect(rows.map(\.fields) == [["a"], ["\u{FEFF}b"]])
    }

    @Test func crlfLineEnds() throws {
        let rows = try readAllRows("a,b\r\nc,\r\n")
        #expect(rows == [ReadRow(row: 1, fields: ["a", "b"]), ReadRow(row: 2, fields: ["c", ""])])
    }

    @Test func loneCarriageReturnLineEnds() throws {
        let rows = try readAllRows("a,b\rc,d\r")
        #expect(rows == [ReadRow(row: 1, fields: ["a", "b"]), ReadRow(row: 2, fields: ["c", "d"])])
    }

    @Test func mixedLineEnds() throws {
        let rows = try readAllRows("a\r\nb\nc\rd")
        #expect(rows.map(\.fields) == [["a"], ["b"], ["c"], ["d"]])
    }

    @Test func noFinalNewline() throws {
        let rows = try readAllRows("a,b\nc,d")
        #expect(rows.last == ReadRow(row: 2, fields: ["c", "d"]))
    }

    @Test func noFinalNewlineAfterQuotedField() throws {
        let rows = try readAllRows("a\n\"c,d\"")
        #expect(rows.last == ReadRow(row: 2, fields: ["c,d"]))
    }

    @Test func trailingCommaAtEndOfFile() throws {
        let rows = try readAllRows("a,")
        #expect(rows == [ReadRow(row: 1, fields: ["a", ""])])
    }

    @Test func quotedFieldWithComma() throws {
        let rows = try readAllRows("id,grades\nc-1,\"09,10,11\"\n")
        #expect(rows[1].fields == ["c-1", "09,10,11"])
    }

    @Test func doubledQuotes() throws {
        let rows = try readAllRows("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n")
        #expect(rows[0].fields == ["say \"hi\"", "\"", ""])
    }

    @Test func quoteInsideUnquotedFieldKept() throws {
        let rows = try readAllRows("5'10\",x\n")
        #expect(rows[0].fields == ["5'10\"", "x"])
    }

    @Test func embeddedNewlineInQuotes() throws {
        let rows = try readAllRows("id,note\n1,\"line one\nline two\r\nline three\rend\"\n2,x\n")
        #expect(rows.count == 3)
        #expect(rows[1] == ReadRow(row: 2, fields: ["1", "line one\nline two\r\nline three\rend"]))
        #expect(rows[2] == ReadRow(row: 3, fields: ["2", "x"]))
    }

    @Test func emptyLineSkippedButCounted() throws {
        let rows = try readAllRows("h1,h2\n\na,b\r\n\r\nc,d\r\rlast,row\n\n")
        #expect(
            rows == [
                ReadRow(row: 1, fields: ["h1", "h2"]),
                ReadRow(row: 3, fields: ["a", "b"]),
                ReadRow(row: 5, fields: ["c", "d"]),
                ReadRow(row: 7, fields: ["last", "row"]),
            ])
    }

    @Test func commasOnlyLineIsARow() throws {
        let rows = try readAllRows(",,\n")
        #expect(rows == [ReadRow(row: 1, fields: ["", "", ""])])
    }

    @Test func emptyInput() throws {
        #expect(try readAllRows("").isEmpty)
        #expect(try readAllRows([0xEF, 0xBB, 0xBF]).isEmpty)
        #expect(try readAllRows("\n\r\n").isEmpty)
    }

    @Test func reusedArrayIsReplaced() throws {
        let reader = CSVReader(source: DataByteSource("a,b,c\nd\n"), fileName: "x.csv")
        var fields = ["stale", "stale", "stale", "stale"]
        #expect(try reader.readRow(into: &fields))
        #expect(fields == ["a", "b", "c"])
        #expect(try reader.readRow(into: &fields))
        #expect(fields == ["d"])
        #expect(try reader.readRow(into: &fields) == false)
        #expect(try reader.readRow(into: &fields) == false)
    }

    @Test func unterminatedQuoteNamesStartRow() throws {
        let text = "id,note\n1,ok\n2,\"never closed\n3,more\n4,rows\n"
        let error = #expect(throws: CSVError.self) { try readAllRows(text) }
        #expect(error?.row == 3)
        #expect(error?.code == "csv.unterminated-quote")
        #expect(
            error?.description
                == "test.csv: row 3: field 2 opens a quote that is never closed before the end of the file; "
                + "close the quote, or double any quote inside the value (\"\")")
    }

    @Test func textAfterClosingQuote() throws {
        let error = #expect(throws: CSVError.self) { try readAllRows("a\n\"abc\"def,x\n") }
        #expect(error?.row == 2)
        #expect(error?.code == "csv.text-after-quote")
        #expect(error?.byteOffset == 7)
        #expect(error?.message.contains("field 1 has 'd' after its closing quote") == true)
    }

    @Test func errorRepeatsOnLaterCalls() throws {
        let reader = CSVReader(source: DataByteSource("a\n\"open\n"), fileName: "x.csv")
        var fields: [String] = []
        #expect(try reader.readRow(into: &fields))
        let first = #expect(throws: CSVError.self) { try reader.readRow(into: &fields) }
        let second = #expect(throws: CSVError.self) { try reader.readRow(into: &fields) }
        #expect(first == second)
    }

    @Test func sourceReadFailure() throws {
        let reader = CSVReader(source: FailingByteSource(), fileName: "users.csv")
        let error = #expect(throws: CSVError.self) { try reader.readRow() }
        #expect(error?.code == "csv.read-failed")
        #expect(error?.description == "users.csv: row 1: failed to read: disk unplugged")
    }

    @Test func rowLimitStopsRunawayQuote() throws {
        let text = "id\n\"" + String(repeating: "x", count: 5000) + "\n"
        let reader = CSVReader(source: DataByteSource(text), fileName: "big.csv", bufferCapacity: 64)
        reader.maximumRowBytes = 1024
        var fields: [String] = []
        #expect(try reader.readRow(into: &fields))
        let error = #expect(throws: CSVError.self) { try reader.readRow(into: &fields) }
        #expect(error?.code == "csv.row-too-large")
        #expect(error?.row == 2)
    }

    @Test func fileByteSourceReadsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csvreader-\(UUID()).csv").path
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = CSVReader(source: try FileByteSource(path: path), fileName: "a.csv")
        #expect(try reader.readRow() == ["a", "b"])
        #expect(try reader.readRow() == ["1", "2"])
        #expect(try reader.readRow() == nil)
    }

    @Test func fileByteSourceMissingFile() throws {
        let error = #expect(throws: CSVError.self) { try FileByteSource(path: "/nonexistent/users.csv") }
        #expect(error?.code == "csv.open-failed")
        #expect(error?.description == "/nonexistent/users.csv: failed to open: No such file or directory")
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared cases folder next to the package"))
    func caseB01ByteOrderMarkAndCRLF() throws {
        for name in ["orgs.csv", "users.csv"] {
            let rows = try readAllRows(try SharedData.bytes("cases/B01/\(name)"), fileName: name)
            #expect(rows.first?.fields.first == "sourcedId", "\(name)")
            for row in rows {
                #expect(!row.fields.contains { $0.contains("\r") || $0.contains("\n") }, "\(name) row \(row.row)")
            }
        }
        let users = try readAllRows(try SharedData.bytes("cases/B01/users.csv"))
        #expect(users.count == 3)
        #expect(users[1].fields.count == 18)
        #expect(users[1].fields.last == "")
        #expect(users[1].fields[8] == "Avery")
        let orgs = try readAllRows(try SharedData.bytes("cases/B01/orgs.csv"))
        #expect(orgs.count == 2)
        #expect(orgs[1].fields == ["sch-100", "", "", "Larkspur Middle School", "school", "LMS-100", ""])
    }
}
