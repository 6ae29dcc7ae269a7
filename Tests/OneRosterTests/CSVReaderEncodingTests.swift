import Foundation
import OneRoster
import Testing

@Suite("CSVReader encodings")
struct CSVReaderEncodingTests {
    @Test func validUTF8Names() throws {
        let rows = try readAllRows("José,Núñez,Søren,李,🎓\n")
        #expect(rows[0].fields == ["José", "Núñez", "Søren", "李", "🎓"])
    }

    @Test func invalidUTF8NamesRowAndOffset() throws {
        let bytes = Array("h1,h2\nok,fine\nbad,Jos".utf8) + [0xE9] + Array(",x\n".utf8)
        let error = #expect(throws: CSVError.self) { try readAllRows(bytes, fileName: "users.csv") }
        #expect(error?.row == 3)
        #expect(error?.byteOffset == 21)
        #expect(
            error?.description
                == "users.csv: row 3: not valid UTF-8 (byte 0xE9 at byte offset 21); save the file as UTF-8, "
                + "or set encoding = \"windows-1252\" for this source")
    }

    @Test(arguments: [
        ("overlong slash", [0xC0, 0xAF] as [UInt8]),
        ("overlong three-byte", [0xE0, 0x80, 0xAF]),
        ("surrogate", [0xED, 0xA0, 0x80]),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("lone continuation", [0x80]),
        ("truncated before comma", [0xE2, 0x82]),
        ("byte 0xFF", [0xFF]),
    ])
    func invalidUTF8Rejected(name: String, sequence: [UInt8]) throws {
        let bytes = Array("a,b\n".utf8) + sequence + Array(",z\n".utf8)
        let error = #expect(throws: CSVError.self, "\(name)") { try readAllRows(bytes) }
        #expect(error?.row == 2, "\(name)")
        #expect(error?.byteOffset == 4, "\(name)")
    }

    @Test func truncatedSequenceAtEndOfFile() throws {
        let error = #expect(throws: CSVError.self) { try readAllRows(Array("a\nb".utf8) + [0xC3]) }
        #expect(error?.row == 2)
        #expect(error?.byteOffset == 3)
    }

    @Test func invalidUTF8InsideQuotedField() throws {
        let bytes = Array("\"a,".utf8) + [0xFE] + Array("\"\n".utf8)
        let error = #expect(throws: CSVError.self) { try readAllRows(bytes) }
        #expect(error?.byteOffset == 3)
    }

    @Test func windows1252DecodesEveryDefinedByte() throws {
        let undefined: Set<UInt8> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
        let special: Set<UInt8> = [0x0A, 0x0D, 0x22, 0x2C]
        let bytes = (UInt8(0x20)...UInt8(0xFF)).filter { !undefined.contains($0) && !special.contains($0) }
        let rows = try readAllRows(bytes + [0x0A], encoding: .windows1252)
        let scalars = Array(rows[0].fields[0].unicodeScalars.map(\.value))
        #expect(scalars.count == bytes.count)
        for (byte, scalar) in zip(bytes, scalars) {
            #expect(scalar == expectedWindows1252Scalar(byte), "byte \(byte)")
        }
    }

    @Test func windows1252HighControlBlock() throws {
        let bytes: [UInt8] = [0x80, 0x2C, 0x93, 0x71, 0x94, 0x2C, 0x96, 0x2C, 0x9F, 0x0A]
        let rows = try readAllRows(bytes, encoding: .windows1252)
        #expect(rows[0].fields == ["€", "\u{201C}q\u{201D}", "\u{2013}", "Ÿ"])
    }

    @Test(arguments: [0x81, 0x8D, 0x8F, 0x90, 0x9D] as [UInt8])
    func windows1252UndefinedByteRejected(byte: UInt8) throws {
        let bytes = Array("a\nb,x".utf8) + [byte] + Array("\n".utf8)
        let error = #expect(throws: CSVError.self) { try readAllRows(bytes, encoding: .windows1252) }
        #expect(error?.code == "csv.invalid-windows-1252")
        #expect(error?.row == 2)
        #expect(error?.byteOffset == 5)
    }

    @Test func windows1252DoubledQuotes() throws {
        let bytes: [UInt8] = [0x22, 0xE9, 0x22, 0x22, 0x78, 0x22, 0x0A]
        let rows = try readAllRows(bytes, encoding: .windows1252)
        #expect(rows[0].fields == ["é\"x"])
    }

    @Test func encodingNames() {
        #expect(TextEncoding(name: "UTF-8") == .utf8)
        #expect(TextEncoding(name: " cp1252 ") == .windows1252)
        #expect(TextEncoding(name: "windows-1252") == .windows1252)
        #expect(TextEncoding(name: "latin1") == nil)
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared cases folder next to the package"))
    func caseB02RejectedAsUTF8() throws {
        let bytes = try SharedData.bytes("cases/B02/users.csv")
        let error = #expect(throws: CSVError.self) { try readAllRows(bytes, fileName: "users.csv") }
        #expect(error?.file == "users.csv")
        #expect(error?.row == 2)
        #expect(
            error?.description
                == "users.csv: row 2: not valid UTF-8 (byte 0xE9 at byte offset 213); save the file as UTF-8, "
                + "or set encoding = \"windows-1252\" for this source")
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared cases folder next to the package"))
    func caseB02LoadsAsWindows1252() throws {
        let bytes = try SharedData.bytes("cases/B02/users.csv")
        let rows = try readAllRows(bytes, encoding: .windows1252, fileName: "users.csv")
        let names = rows.dropFirst().map { "\($0.fields[8]) \($0.fields[9])" }
        #expect(names == ["José Núñez", "Chloé Fontaine", "Søren Vik"])
        #expect(!rows.contains { $0.fields.contains { $0.contains("\u{FFFD}") } })
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs the shared cases folder next to the package"))
    func caseB02RoundTripThroughWriter() throws {
        let bytes = try SharedData.bytes("cases/B02/users.csv")
        let rows = try readAllRows(bytes, encoding: .windows1252)
        let writer = CSVWriter()
        for row in rows { try writer.writeRow(row.fields) }
        let reread = try readAllRows(Array(writer.data))
        #expect(reread.map(\.fields) == rows.map(\.fields))
        #expect(reread[1].fields[8] == "José")
    }
}

/// Returns the Unicode scalar of a Windows-1252 byte from the code page chart, written apart from the reader.
private func expectedWindows1252Scalar(_ byte: UInt8) -> UInt32 {
    let chart: [UInt8: UInt32] = [
        0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
        0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x8E: 0x017D, 0x91: 0x2018,
        0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC,
        0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A, 0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
    ]
    return chart[byte] ?? UInt32(byte)
}
