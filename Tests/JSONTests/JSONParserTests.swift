import Testing

@testable import JSON

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

    /// CPython's words for the refusal of `bytes`; nil when they parse.
    static func reason(_ bytes: [UInt8], options: JSONParser.Options = JSONParser.Options()) -> String? {
        do {
            _ = try JSONParser.parse(bytes, options: options)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test(arguments: pythonMessages.indices)
    func refusesWithPythonsWords(_ index: Int) {
        let (input, message) = Self.pythonMessages[index]
        #expect(Self.reason(Array(input.utf8)) == message)
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
            #expect(Self.reason(bytes) == message)
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
        guard case .number(let integer)? = object["b"], case .number(let fraction)? = object["a"] else {
            Issue.record("not numbers")
            return
        }
        #expect(integer.isInteger && integer.text == "-0")
        #expect(!fraction.isInteger && fraction.text == "1.0")
    }

    @Test func refusesNestingBeyondTheLimit() {
        let limit = 40
        func nested(_ levels: Int) -> [UInt8] { Array((String(repeating: "[", count: levels) + String(repeating: "]", count: levels)).utf8) }
        #expect(Self.reason(nested(limit + 1), options: JSONParser.Options(maximumNesting: limit))
            == "maximum recursion depth exceeded while decoding a JSON document")
        #expect(Self.reason(nested(limit), options: JSONParser.Options(maximumNesting: limit)) == nil)
        #expect(Self.reason(nested(JSONLimits.maximumNesting)) == nil)
        #expect(Self.reason(nested(JSONLimits.maximumNesting + 1)) != nil)
    }

    /// A lone surrogate, which Python keeps in its `str`, cannot be UTF-8: it becomes U+FFFD.
    @Test func replacesLoneSurrogates() throws {
        #expect(try JSONParser.parse(Array(#"["\ud800", "\udc00x", "\ude00\ud83d"]"#.utf8)) == ["\u{FFFD}", "\u{FFFD}x", "\u{FFFD}\u{FFFD}"])
    }

    /// Python's `float()` of a literal beyond a double's range is infinite; `json.loads`
    /// accepts it, and the literal is kept.
    @Test func keepsNumbersBeyondADoublesRange() throws {
        let value = try JSONParser.parse(Array("[1e400, -1e400, 1e-400, 123456789012345678901234567890]".utf8))
        #expect(value.arrayValue?.map { $0.numberValue } == [.infinity, -.infinity, 0, 1.2345678901234568e29])
        #expect(value.arrayValue?.last?.int64Value == nil)
        guard case .number(let big)? = value.arrayValue?.last else { return }
        #expect(big.text == "123456789012345678901234567890" && big.isInteger)
    }

    @Test func keepsTheLastOfRepeatedKeysUnlessTold() throws {
        #expect(try JSONParser.parse(Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8)).objectValue?.members.map(\.key) == ["a", "b"])
        #expect(try JSONParser.parse(Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8))["a"] == 3)
        #expect(throws: JSONSyntaxError.self) {
            try JSONParser.parse(Array(#"{"a": 1, "a": 3}"#.utf8), options: JSONParser.Options(refusesDuplicateKeys: true))
        }
    }

    @Test func skipsAByteOrderMarkOnlyWhenTold() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(bytes) }
        #expect(try JSONParser.parse(bytes, options: JSONParser.Options(skipsByteOrderMark: true)) == ["a": 1])
    }

    /// No JSON text holds a NUL byte (not as whitespace, nor raw inside a string).
    @Test func refusesNULBytesAnywhere() {
        for text in ["0\0\0", "{}\0", "\0{}", "[\"a\0\"]", "{\"a\":\0}"] {
            #expect(Self.reason(Array(text.utf8)) != nil, "\(text.debugDescription)")
        }
    }
}
