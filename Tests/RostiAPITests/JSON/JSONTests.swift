import Testing

@testable import RostiAPI

/// The parser must refuse what CPython 3.11's `json.loads` refuses, with the same words:
/// these expectations were produced by running `json.loads` on each input.
@Suite struct JSONParserTests {
    static let pythonMessages: [(String, String)] = [
        ("", "Expecting value: line 1 column 1 (char 0)"),
        (" ", "Expecting value: line 1 column 2 (char 1)"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (#"{"a""#, "Expecting ':' delimiter: line 1 column 5 (char 4)"),
        (#"{"a":"#, "Expecting value: line 1 column 6 (char 5)"),
        (#"{"a":1"#, "Expecting ',' delimiter: line 1 column 7 (char 6)"),
        (#"{"a":1,}"#, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
        ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
        ("[", "Expecting value: line 1 column 2 (char 1)"),
        (#""abc"#, "Unterminated string starting at: line 1 column 1 (char 0)"),
        (#""a\x""#, #"Invalid \escape: line 1 column 3 (char 2)"#),
        (#""a\u12""#, #"Invalid \uXXXX escape: line 1 column 4 (char 3)"#),
        (#""a\u12zz""#, #"Invalid \uXXXX escape: line 1 column 4 (char 3)"#),
        ("\"\u{01}\"", "Invalid control character at: line 1 column 2 (char 1)"),
        (#"{"a" 1}"#, "Expecting ':' delimiter: line 1 column 6 (char 5)"),
        ("{1:2}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("01", "Extra data: line 1 column 2 (char 1)"),
        ("1.", "Extra data: line 1 column 2 (char 1)"),
        ("-", "Expecting value: line 1 column 1 (char 0)"),
        ("nul", "Expecting value: line 1 column 1 (char 0)"),
        ("tru", "Expecting value: line 1 column 1 (char 0)"),
        ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        (#"{"a":1}x"#, "Extra data: line 1 column 8 (char 7)"),
        ("\u{FEFF}{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"),
        ("\"é", "Unterminated string starting at: line 1 column 1 (char 0)"),
        ("é", "Expecting value: line 1 column 1 (char 0)"),
        (#"{"é":1,"b"}"#, "Expecting ':' delimiter: line 1 column 11 (char 10)"),
        ("1e", "Extra data: line 1 column 2 (char 1)"),
        ("\n\n  x", "Expecting value: line 3 column 3 (char 4)"),
        (#"{"a":[1,2}"#, "Expecting ',' delimiter: line 1 column 10 (char 9)"),
        (#"{"name": "demo",}"#, "Expecting property name enclosed in double quotes: line 1 column 17 (char 16)"),
        ("[1,2", "Expecting ',' delimiter: line 1 column 5 (char 4)"),
        (#""\ud83d\ude00" x"#, "Extra data: line 1 column 16 (char 15)"),
        (#"{"a":"b"} {}"#, "Extra data: line 1 column 11 (char 10)"),
        ("NaN", "Out of range float values are not valid JSON: 'NaN'"),
        ("[-Infinity]", "Out of range float values are not valid JSON: '-Infinity'"),
    ]

    @Test(arguments: pythonMessages.indices)
    func refusesWithPythonsWords(_ index: Int) {
        let (input, message) = Self.pythonMessages[index]
        #expect(throws: JSONParseFailure(reason: message)) { try JSONParser.parse(Array(input.utf8)) }
    }

    /// Python's UTF-8 decoder messages, which DRF passes on for bodies that are not UTF-8.
    @Test func refusesInvalidUTF8WithPythonsWords() {
        let cases: [([UInt8], String)] = [
            ([0xFF], "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
            (Array(#"{"a":""#.utf8) + [0xC3] + Array(#""}"#.utf8), "'utf-8' codec can't decode byte 0xc3 in position 6: invalid continuation byte"),
            ([0x22, 0xE2, 0x82, 0x22], "'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte"),
            ([0xE2, 0x82], "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"),
            ([0xED, 0xA0, 0x80], "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"),
        ]
        for (bytes, message) in cases {
            #expect(throws: JSONParseFailure(reason: message)) { try JSONParser.parse(bytes) }
        }
    }

    @Test func keepsIntegersFloatsAndKeyOrderApart() throws {
        let value = try JSONParser.parse(Array(#" {"b": 1, "a": 1.0, "c": [true, null, "x\u00e9\ud83d\ude00"], "b": -0} "#.utf8))
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .number(JSONNumber(text: "-0", isInteger: true)))
        #expect(object["a"] == .number(JSONNumber(text: "1.0", isInteger: false)))
        #expect(object["c"] == [true, nil, "xé😀"])
    }

    @Test func refusesNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: RostiLimits.maximumJSONNesting + 1) + String(repeating: "]", count: RostiLimits.maximumJSONNesting + 1)
        #expect(throws: JSONParseFailure.self) { try JSONParser.parse(Array(deep.utf8)) }
        let allowed = String(repeating: "[", count: RostiLimits.maximumJSONNesting) + String(repeating: "]", count: RostiLimits.maximumJSONNesting)
        #expect(throws: Never.self) { try JSONParser.parse(Array(allowed.utf8)) }
    }
}

@Suite struct JSONWriterTests {
    @Test func writesCompactUTF8WithPythonsEscapes() {
        let value: JSONValue = ["name": "Pekárna \"N\"\\\n\t\u{08}\u{0C}\u{01}/", "list": [1, true, nil], "line": "a\u{2028}b\u{2029}"]
        #expect(String(decoding: JSONWriter.bytes(value), as: UTF8.self)
            == #"{"name":"Pekárna \"N\"\\\n\t\b\f\u0001/","list":[1,true,null],"line":"a\u2028b\u2029"}"#)
    }

    @Test func writesFloatsAsPythonReprDoes() {
        #expect(String(decoding: JSONWriter.bytes([.double(1.2), .double(10), .double(0.05), .double(194.6)]), as: UTF8.self)
            == "[1.2,10.0,0.05,194.6]")
    }
}

@Suite struct PythonTextTests {
    @Test func writesValuesAsStrAndReprDo() {
        #expect(PythonText.str("x") == "x")
        #expect(PythonText.str(true) == "True")
        #expect(PythonText.str(nil) == "None")
        #expect(PythonText.str(.number(JSONNumber(text: "1.50", isInteger: false))) == "1.5")
        #expect(PythonText.str(.number(JSONNumber(text: "1e3", isInteger: false))) == "1000.0")
        #expect(PythonText.str(["a", 1, ["k": "it's"]]) == #"['a', 1, {'k': "it's"}]"#)
    }

    @Test func namesTypesAsPythonDoes() {
        let names = [JSONValue.null, true, 1, .double(1.5), "s", [], [:]].map(PythonText.typeName)
        #expect(names == ["NoneType", "bool", "int", "float", "str", "list", "dict"])
    }
}
