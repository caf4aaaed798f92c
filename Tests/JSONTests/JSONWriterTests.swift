import Testing

@testable import JSON

@Suite struct JSONWriterTests {
    func text(_ value: JSONValue, _ format: JSONFormat) -> String { JSONWriter.text(value, format) }

    // MARK: DRF's renderer (the Rosti API)

    @Test func writesCompactUTF8WithPythonsEscapes() {
        let value: JSONValue = ["name": "Pekárna \"N\"\\\n\t\u{08}\u{0C}\u{01}/", "list": [1, true, nil], "line": "a\u{2028}b\u{2029}"]
        #expect(String(decoding: JSONWriter.bytes(value, .djangoREST), as: UTF8.self)
            == #"{"name":"Pekárna \"N\"\\\n\t\b\f\u0001/","list":[1,true,null],"line":"a\u2028b\u2029"}"#)
    }

    @Test func writesFloatsAsPythonReprDoes() {
        #expect(String(decoding: JSONWriter.bytes([.number(1.2), .number(10), .number(0.05), .number(194.6)], .djangoREST), as: UTF8.self)
            == "[1.2,10.0,0.05,194.6]")
    }

    @Test func writesNumbersAsTheyWereWritten() throws {
        let parsed = try JSONParser.parse(Array("[3.50,1e3,-0,123456789012345678901234567890]".utf8))
        #expect(text(parsed, .djangoREST) == "[3.50,1e3,-0,123456789012345678901234567890]")
    }

    // MARK: The admin API's compact format

    /// Whole numbers up to 2^53 without a fraction, others in their shortest form, no
    /// infinity or NaN: the admin API's numbers are doubles, as JavaScript's are.
    @Test func compactWritesNumbersAsDoubles() throws {
        let values: JSONValue = [.number(3600), .number(0.5), .number(-0.0), .integer(9_007_199_254_740_993), .number(1e300),
                                 .number(.infinity), .number(.nan), 2.5e-7]
        #expect(text(values, .compact) == "[3600,0.5,0,9007199254740992.0,1e+300,null,null,2.5e-07]")
        let parsed = try JSONParser.parse(Array("[3.50,1e3,-0,1e400]".utf8))
        #expect(text(parsed, .compact) == "[3.5,1000,0,null]")
    }

    @Test func compactEscapesOnlyWhatJSONRequires() {
        let value: JSONValue = ["k\"": "a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}é\u{2028}/"]
        #expect(text(value, .compact) == #"{"k\"":"a\"b\\c\n\r\t\u0008\u000c\u0001\u001f"# + "\u{7F}é\u{2028}/\"}")
    }

    @Test func jsonQuoting() {
        #expect(JSONString.quote("a\"b\\c\n\u{1}é") == #""a\"b\\c\n\u0001é""#)
    }

    // MARK: Rosa's spaced format

    @Test func spacedSeparatesWithSpaces() {
        let file: JSONValue = ["sha1_hash": "ab", "file_name": "ü \"x\".txt", "user": ["id": 1, "uname": "demo"]]
        #expect(text([file, file], .spaced)
            == #"[{"sha1_hash": "ab", "file_name": "ü \"x\".txt", "user": {"id": 1, "uname": "demo"}}, {"sha1_hash": "ab", "file_name": "ü \"x\".txt", "user": {"id": 1, "uname": "demo"}}]"#)
        #expect(text(["file": ["can't be blank"]], .spaced) == #"{"file": ["can't be blank"]}"#)
        #expect(text([], .spaced) == "[]")
        #expect(text(true, .spaced) == "true")
    }

    // MARK: The OpenAPI documents' indented format

    @Test func prettyJSONIsIndentedKeepsKeyOrderAndReadsBack() throws {
        let value: JSONValue = ["b": [1, "two", [:], []], "a": ["x": nil, "y": true]]
        let text = JSONWriter.text(value, .indented)
        #expect(text == """
            {
              "b": [
                1,
                "two",
                {},
                []
              ],
              "a": {
                "x": null,
                "y": true
              }
            }

            """)
        #expect(try JSONParser.parse(JSONWriter.bytes(value, .indented)) == value)
    }
}
