import Testing

@testable import Validation

@Test func idTableGrowsAndFinds() {
    let table = IdTable(capacity: 16)
    for number in 0..<10_000 {
        table[IdTable.key("id-\(number)")] = IdTable.Entry(
            row: number + 2, file: number % 3, accepted: true, duplicated: false)
    }
    #expect(table.count == 10_000)
    #expect(table[IdTable.key("id-4321")] == IdTable.Entry(row: 4323, file: 1, accepted: true, duplicated: false))
    #expect(table[IdTable.key("id-10000")] == nil)
    #expect(table[IdTable.key("ID-4321")] == nil)
}

@Test func idTableUpdatesInPlace() {
    let table = IdTable()
    let key = IdTable.key("u-900")
    table[key] = IdTable.Entry(row: 2, file: 0, accepted: true, duplicated: false)
    table[key] = IdTable.Entry(row: 2, file: 0, accepted: false, duplicated: true)
    #expect(table.count == 1)
    #expect(table[key]?.accepted == false)
    #expect(table[key]?.duplicated == true)
}

@Test func idTableRemovesByFile() {
    let table = IdTable()
    for number in 0..<1_000 {
        table[IdTable.key("r-\(number)")] = IdTable.Entry(
            row: number, file: number % 2, accepted: true, duplicated: false)
    }
    table.removeAll { $0.file == 1 }
    #expect(table.count == 500)
    #expect(table[IdTable.key("r-10")] != nil)
    #expect(table[IdTable.key("r-11")] == nil)
}

@Test func idTableClampsLargeRows() {
    let table = IdTable()
    table[IdTable.key("x")] = IdTable.Entry(row: 1 << 30, file: 99, accepted: true, duplicated: false)
    #expect(table[IdTable.key("x")]?.row == IdTable.maximumRow)
    #expect(table[IdTable.key("x")]?.file == IdTable.maximumFile)
}
