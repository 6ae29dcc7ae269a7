import Testing

@testable import Export

@Test func exportModuleBuilds() {
    #expect(Bool(true))
}
