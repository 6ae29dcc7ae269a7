import Foundation
import OneRoster
import Testing

@Suite("CSVWriter")
struct CSVWriterTests {
    private func written(_ rows: [[String]], lineEnding: CSVWriter.LineEnding = .lf) throws -> String {
        let writer = CSVWriter(lineEnding: lineEnding)
        for row in rows { try writer.writeRow(row) }
        return String(decoding: writer.data, as: UTF8.self)
    }

    @Test func plainFieldsUnquoted() throws {
        #expect(try written([["a", "b"], ["", "José"]]) == "a,b\n,José\n")
    }

    @Test(arguments: [
        ("comma", "09,10", "\"09,10\""),
        ("quote", "say \"hi\"", "\"say \"\"hi\"\"\""),
        ("line feed", "a\nb", "\"a\nb\""),
        ("carriage return", "a\rb", "\"a\rb\""),
        ("leading space", " a", "\" a\""),
        ("trailing space", "a ", "\"a \""),
        ("trailing tab", "a\t", "\"a\t\""),
        ("inner space", "a b", "a b"),
    ])
    func quoting(name: String, field: String, expected: String) throws {
        #expect(try written([[field, "x"]]) == expected + ",x\n", "\(name)")
    }

    @Test func crlfLineEnding() throws {
        #expect(try written([["a"], ["b"]], lineEnding: .crlf) == "a\r\nb\r\n")
    }

    @Test func singleEmptyFieldStaysARow() throws {
        let writer = CSVWriter()
        try writer.writeRow(["h"])
        try writer.writeRow([""])
        let rows = try readAllRows(Array(writer.data))
        #expect(rows.map(\.fields) == [["h"], [""]])
    }

    @Test func optionalFieldsWriteEmpty() throws {
        let writer = CSVWriter()
        try writer.writeRow(["a", nil, "c"] as [String?])
        #expect(String(decoding: writer.data, as: UTF8.self) == "a,,c\n")
    }

    @Test func roundTripThroughReader() throws {
        let rows: [[String]] = [
            ["sourcedId", "note"], ["1", "a,\"b\"\r\nc"], ["2", " padded "], ["3", "Søren 🎓"], ["4", ""],
        ]
        let writer = CSVWriter()
        for row in rows { try writer.writeRow(row) }
        #expect(try readAllRows(Array(writer.data)).map(\.fields) == rows)
    }

    @Test func fileWriterFlushesLargeOutput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csvwriter-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CSVWriter(path: path)
        for index in 0..<20_000 { try writer.writeRow(["u-\(index)", "name, \(index)"]) }
        try writer.close()
        let reader = CSVReader(source: try FileByteSource(path: path), fileName: "out.csv")
        var count = 0
        var fields: [String] = []
        while try reader.readRow(into: &fields) {
            #expect(fields == ["u-\(count)", "name, \(count)"])
            count += 1
        }
        #expect(count == 20_000)
        let error = #expect(throws: CSVError.self) { try writer.writeRow(["late"]) }
        #expect(error?.code == "csv.write-failed")
    }

    @Test func fileWriterBadPath() throws {
        let error = #expect(throws: CSVError.self) { try CSVWriter(path: "/nonexistent/dir/out.csv") }
        #expect(error?.code == "csv.open-failed")
    }
}
