import OneRoster
import Testing

@testable import Store

@Suite struct ExtensionJSONTests {
    @Test func encodesInOrderWithEscapes() {
        let text = ExtensionJSON.encode([
            Extension(name: "b", value: "say \"hi\"\n"),
            Extension(name: "a", value: "tab\t\u{1}"),
        ])
        #expect(text == #"{"b":"say \"hi\"\n","a":"tab\t\u0001"}"#)
    }

    @Test func decodesStandardEscapes() {
        let decoded = ExtensionJSON.decode(#" { "x" : "\u00e9\ud83c\udf92\/" , "y":"" } "#)
        #expect(decoded == [Extension(name: "x", value: "é🎒/"), Extension(name: "y", value: "")])
    }

    @Test(arguments: [#"[]"#, #"{"a":1}"#, #"{"a":"b""#, #"{"a":"b"} x"#, #"{"a":"\x"}"#, #"{"a":"\ud83c"}"#, ""])
    func rejectsOtherShapes(text: String) {
        #expect(ExtensionJSON.decode(text) == nil)
    }
}
