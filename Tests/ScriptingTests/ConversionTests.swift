import Testing

@testable import Scripting

@Suite struct ConversionTests {
    @Test func emptyTableIsEmptyMap() throws {
        #expect(try evaluate("return {}") == [.map([:])])
    }

    @Test func sequenceIsArray() throws {
        #expect(try evaluate("return {'a', 'b', 'c'}") == [.array(["a", "b", "c"])])
    }

    @Test func sparseArrayKeepsIntegerKeys() throws {
        let results = try evaluate("return {1, nil, 3}")
        #expect(results == [.map([.integer(1): 1, .integer(3): 3])])
    }

    @Test func outOfOrderIntegerKeysFormArray() throws {
        let results = try evaluate("local t = {} t[3] = 'c' t[1] = 'a' t[2] = 'b' return t")
        #expect(results == [.array(["a", "b", "c"])])
    }

    @Test func mixedIntegerAndStringKeys() throws {
        let results = try evaluate("return {10, 20, x = 'y'}")
        #expect(results == [.map([.integer(1): 10, .integer(2): 20, "x": "y"])])
    }

    @Test func otherKeyTypesKeepTheirType() throws {
        let results = try evaluate("return {[true] = 'yes', [1.5] = 'half', [0] = 'zero'}")
        #expect(results == [.map([.boolean(true): "yes", .number(1.5): "half", .integer(0): "zero"])])
    }

    @Test func integerAndFloatStayApart() throws {
        #expect(try evaluate("return 3, 3.0, -0.0") == [.integer(3), .number(3.0), .number(-0.0)])
        let runtime = try LuaRuntime()
        _ = try runtime.run(source: "function kinds(a, b) return math.type(a), math.type(b) end", name: "k.lua")
        #expect(try runtime.call("kinds", [.integer(3), .number(3.0)]) == [.string("integer"), .string("float")])
    }

    @Test func twoToThe53PlusOneIsExact() throws {
        let value: Int64 = 9_007_199_254_740_993
        #expect(try evaluate("return 2^53 // 1 | 1") == [.integer(value)])
        let runtime = try LuaRuntime()
        _ = try runtime.run(source: "function echo(...) return ... end", name: "echo.lua")
        #expect(
            try runtime.call("echo", [.integer(value), .integer(.max), .integer(.min)])
                == [.integer(value), .integer(.max), .integer(.min)])
    }

    @Test func nanAndInfinity() throws {
        let results = try evaluate("return 0/0, 1/0, -1/0")
        guard results.count == 3, case .number(let nan) = results[0] else {
            Issue.record("expected three numbers, got \(results)")
            return
        }
        #expect(nan.isNaN)
        #expect(results[1] == .number(.infinity))
        #expect(results[2] == .number(-.infinity))
    }

    @Test func nulBytesInStrings() throws {
        let results = try evaluate("return 'a\\0b', #'a\\0b'")
        #expect(results == [.string("a\u{0}b"), .integer(3)])
        let runtime = try LuaRuntime()
        _ = try runtime.run(source: "function size(s) return #s end", name: "size.lua")
        #expect(try runtime.call("size", [.string("x\u{0}y\u{0}z")]) == [.integer(5)])
    }

    @Test func invalidUTF8BecomesBytes() throws {
        #expect(try evaluate("return '\\xff\\xfeok'") == [.bytes([0xFF, 0xFE, 0x6F, 0x6B])])
        let runtime = try LuaRuntime()
        _ = try runtime.run(source: "function bytes(s) return s:byte(1, -1) end", name: "bytes.lua")
        #expect(try runtime.call("bytes", [.bytes([0xC3, 0x28])]) == [.integer(0xC3), .integer(0x28)])
    }

    @Test func validUTF8StaysString() throws {
        #expect(try evaluate("return 'Zoë 日本'") == [.string("Zoë 日本")])
    }

    @Test func nestedTables() throws {
        let results = try evaluate("return { a = { b = { c = { 1, 2 } } }, list = { { id = 'x' } } }")
        let expected: LuaValue = .map([
            "a": .map(["b": .map(["c": .array([1, 2])])]),
            "list": .array([.map(["id": "x"])]),
        ])
        #expect(results == [expected])
    }

    @Test func sharedTableIsNotCycle() throws {
        let results = try evaluate("local s = { 1 } return { a = s, b = s }")
        #expect(results == [.map(["a": .array([1]), "b": .array([1])])])
    }

    @Test func cycleIsReported() throws {
        let error = scriptError("local t = { inner = {} } t.inner.back = t return t")
        #expect(error?.codeName == "contract")
        #expect(error?.message == "result: a table contains itself (a cycle) at 'inner.back'")
    }

    @Test func deepNestingIsReported() throws {
        let error = scriptError("local t = {} local c = t for i = 1, 150 do c.next = {} c = c.next end return t")
        #expect(error?.message.hasPrefix("result: tables are nested more than 100 levels deep at 'next.next") == true)
    }

    @Test func functionValueIsReported() throws {
        let error = scriptError("return { list = { 1, print } }")
        #expect(error?.message == "result: a function value cannot be converted at 'list[2]'")
    }

    @Test func jsonNullRoundTrips() throws {
        #expect(try evaluate("return rollbook.json.null, tostring(rollbook.json.null)") == [.null, "null"])
        let runtime = try LuaRuntime()
        _ = try runtime.run(source: "function isnull(v) return v == rollbook.json.null end", name: "n.lua")
        #expect(try runtime.call("isnull", [.null]) == [.boolean(true)])
    }

    @Test func swiftValuesRoundTrip() throws {
        let runtime = try LuaRuntime()
        _ = try runtime.run(source: "function echo(...) return ... end", name: "echo.lua")
        let value: LuaValue = .map([
            "name": "Ana", "grades": .array(["09", "10"]), "active": true, "score": 9.5, "count": 7,
            "missing": .null, .integer(5): "five", "raw": .bytes([0xFF]),
        ])
        #expect(try runtime.call("echo", [value]) == [value])
    }
}
