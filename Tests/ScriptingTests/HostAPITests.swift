import Testing

@testable import Scripting

@Suite struct HostAPITests {
    @Test func referenceListsEveryPublicFunction() {
        let reference = HostAPI.referenceMarkdown()
        #expect(reference.hasPrefix("# Connector host API (version 1)"))
        for function in HostAPI.functions where function.scope != .hidden {
            #expect(reference.contains("- `\(function.signature)`: \(function.summary)"))
        }
        #expect(!reference.contains("csv.next"))
        #expect(reference.contains("## `rollbook.http`"))
        #expect(reference.contains("## `ctx`"))
    }

    @Test func registeredFunctionsExistInLua() throws {
        let runtime = try LuaRuntime()
        for function in HostAPI.functions where function.scope == .rollbook {
            let results = try runtime.run(source: "return type(\(function.qualifiedName))", name: "api.lua")
            #expect(results == ["function"], "\(function.qualifiedName)")
        }
    }

    @Test func timeFunctions() throws {
        let results = try evaluate("return rollbook.time.now(), math.type(rollbook.time.unix())")
        let now = results.first?.stringValue ?? ""
        #expect(now.count == 20)
        #expect(now.hasSuffix("Z"))
        #expect(results.last == "integer")
    }

    @Test func logFieldsReachLogger() throws {
        let logger = RecordingLogger()
        _ = try evaluate(
            "rollbook.log.warn('page skipped', { page = 3, reason = 'empty' })", configuration: .init(logger: logger))
        #expect(logger.lines.first?.level == .warn)
        #expect(logger.lines.first?.message == "page skipped")
        #expect(logger.lines.first?.fields == ["page": "3", "reason": "empty", "script": "test.lua"])
    }
}
