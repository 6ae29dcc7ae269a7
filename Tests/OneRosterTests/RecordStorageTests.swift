import OneRoster
import Testing

@Suite("Record storage")
struct RecordStorageTests {
    private static let columnCount = Schema.columns(of: .academicSessions).count

    private func sampleValues() -> [String?] {
        var values: [String?] = Array(repeating: nil, count: Self.columnCount)
        values[0] = "as-1"
        values[1] = ""
        values[2] = "Fall é"
        return values
    }

    @Test func valuesRoundTrip() {
        let record = Record(entity: .academicSessions, values: sampleValues())
        #expect(record.values == sampleValues())
        #expect(record.valueCount == Self.columnCount)
        #expect(record.sourcedId == "as-1")
    }

    @Test func nilAndEmptyStayApart() {
        let record = Record(entity: .academicSessions, values: sampleValues())
        #expect(record.value(at: 1) == "")
        #expect(record.value(at: 3) == nil)
        #expect(record.withValue(at: 1) { $0?.count } == 0)
        #expect(record.withValue(at: 3) { $0 == nil })
        var other = sampleValues()
        other[1] = nil
        #expect(Record(entity: .academicSessions, values: other) != record)
    }

    @Test func builderMatchesStringInit() {
        var builder = RecordBuilder(columns: Self.columnCount, textCapacity: 4)
        for value in sampleValues() { builder.append(value) }
        let built = Record(entity: .academicSessions, builder: builder)
        let expected = Record(entity: .academicSessions, values: sampleValues())
        #expect(built == expected)
        #expect(built.hashValue == expected.hashValue)
    }

    @Test func valueBytesView() {
        let record = Record(entity: .academicSessions, values: sampleValues())
        let texts: [String?] = record.withValueBytes { values in
            (0..<values.count).map { index in values[index].map { String(decoding: $0, as: UTF8.self) } }
        }
        #expect(texts == sampleValues())
    }

    @Test func settersReplaceOneValue() {
        var record = Record(entity: .academicSessions, values: sampleValues())
        record.setValue("Spring", at: 2)
        record.setValue(nil, at: 0)
        #expect(record.value(at: 2) == "Spring")
        #expect(record.value(at: 0) == nil)
        #expect(record.sourcedId == "")
        #expect(record.value(at: 1) == "")
        record["title"] = "Winter"
        #expect(record["title"] == "Winter")
        record.values = sampleValues()
        #expect(record.values == sampleValues())
    }
}
