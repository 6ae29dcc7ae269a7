import Testing

@testable import Scripting

@Suite struct JSONTests {
    @Test func decodeKeepsIntegersAndFloats() throws {
        let results = try evaluate(
            """
            local v = rollbook.json.decode('{"a": 3, "b": 3.0, "c": 9007199254740993, "d": 1e2, "e": null, "f": [true, "x"]}')
            return v, math.type(v.a), math.type(v.b), v.e == rollbook.json.null
            """)
        let expected: LuaValue = .map([
            "a": 3, "b": 3.0, "c": .integer(9_007_199_254_740_993), "d": 100.0, "e": .null,
            "f": .array([true, "x"]),
        ])
        #expect(results == [expected, "integer", "float", true])
    }

    @Test func decodeInvalidReturnsNilAndMessage() throws {
        let results = try evaluate("return rollbook.json.decode('{\"a\": }')")
        #expect(results == [.nil, "invalid JSON at byte 7: unexpected character '}'; expected a value"])
    }

    @Test func decodeUnicodeEscapes() throws {
        let results = try evaluate(#"return rollbook.json.decode('"caf\\u00e9 \\ud83d\\ude00"')"#)
        #expect(results == [.string("café 😀")])
    }

    @Test func encodeSortsKeysAndKeepsFloats() throws {
        let results = try evaluate(
            "return rollbook.json.encode({ b = 3.0, a = 3, c = { 'x', rollbook.json.null }, d = 'q\"\\n' })")
        #expect(results == [.string(#"{"a":3,"b":3.0,"c":["x",null],"d":"q\"\n"}"#)])
    }

    @Test func encodeRejectsNaN() throws {
        let error = scriptError("return rollbook.json.encode({ x = 0/0 })")
        #expect(error?.line == 1)
        #expect(error?.message.contains("has no JSON form") == true)
    }

    @Test func encodeRejectsMixedKeys() throws {
        let error = scriptError("return rollbook.json.encode({ 1, 2, x = 3 })")
        #expect(error?.message.contains("cannot be written as a JSON object") == true)
    }

    @Test func codecRoundTrip() throws {
        let text = #"{"list":[1,2.5,"three",false,null,{}],"name":"Zoë"}"#
        let value = try JSONCodec.decode(Array(text.utf8))
        #expect(try JSONCodec.encode(value) == text)
    }
}
