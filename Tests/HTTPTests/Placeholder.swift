import Testing

@testable import HTTP

@Test func httpModuleBuilds() {
    #expect(Bool(true))
}
