import Testing

@testable import JSON

/// Documents people edit (seed files): every value knows its line, a repeated key is an
/// error naming both places, and errors read in plain words with line and column.
@Suite struct JSONDocumentTests {
    @Test func syntaxErrorsNameLineAndColumn() throws {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parseDocument(Array("{\"a\": [1, 2,]}".utf8)) }
        do {
            _ = try JSONParser.parseDocument(Array("{\n  \"a\": 1,\n  \"b\": tru\n}".utf8))
            Issue.record("accepted an invalid literal")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
            #expect(error.explanation == "invalid literal, expected true")
        }
        let parsed = try JSONParser.parseDocument(Array("{\"s\": \"a\\u00e9\\ud83d\\ude00\\n\", \"n\": -1.5e2, \"i\": 42}".utf8))
        let members = try #require(parsed.root.members)
        #expect(members[0].value.value.stringValue == "aé😀\n")
        #expect(members[1].value.value.numberValue == -150)
        #expect(members[1].value.value.int64Value == nil)
        #expect(members[2].value.value.int64Value == 42)
    }

    @Test func explainsWhatIsMissing() {
        func explanation(_ text: String) -> String? {
            do {
                _ = try JSONParser.parseDocument(Array(text.utf8))
                return nil
            } catch {
                return "\(error.line):\(error.column) \(error.explanation)"
            }
        }
        #expect(explanation("{\"a\": 1 \"b\": 2}") == "1:9 expected ',' or '}'")
        #expect(explanation("[1 2]") == "1:4 expected ',' or ']'")
        #expect(explanation("[1,") == "1:4 unexpected end of file, expected a value")
        #expect(explanation("{\"a\" 1}") == "1:6 expected ':'")
        #expect(explanation("{,}") == "1:2 expected a quoted key")
        #expect(explanation("{} x") == "1:4 unexpected text after the end of the document")
        #expect(explanation("[\"a\\qb\"]") == "1:4 invalid escape '\\q'")
        #expect(explanation("[\"é\u{01}\"]") == "1:4 control character in a string (write it as an escape such as \\n)")
        #expect(explanation("[NaN]") == "1:2 NaN is not a JSON number")
        #expect(explanation("[1, x]") == "1:5 unexpected character 'x', expected a value")
        #expect(explanation("[1, nul]") == "1:5 invalid literal, expected null")
        #expect(explanation("{\n  \"a\": [\"x\"],\n  \"b\": 2, \"a\": 3\n}") == "3:11 duplicate key \"a\" (first on line 2)")
    }

    @Test func everyValueKnowsItsLine() throws {
        let text = """
            {
              "plans": [
                {"id": 1, "name": "Mini"},
                {"id": 2,
                 "tags": ["a",
                   "b"], "name": "Start"}
              ],
              "empty": [],
              "last": {"x": [[1], [2]],
                "y": 3}
            }
            """
        let root = try JSONParser.parseDocument(Array(text.utf8)).root
        #expect(root.line == 1)
        let members = try #require(root.members)
        #expect(members.map(\.key) == ["plans", "empty", "last"])
        #expect(members.map(\.value.line) == [2, 8, 9])
        let plans = try #require(members[0].value.elements)
        #expect(plans.map(\.line) == [3, 4])
        let second = try #require(plans[1].members)
        #expect(second.map(\.value.line) == [4, 5, 6])
        #expect(second[1].value.elements?.map(\.line) == [5, 6])
        let last = try #require(members[2].value.members)
        #expect(last.map(\.value.line) == [9, 10])
        #expect(last[0].value.elements?.map(\.line) == [9, 9])
        #expect(last[0].value.elements?[1].elements?.first?.value == 2)
    }

    @Test func skipsAByteOrderMarkWhenTold() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\n\"a\": 1}".utf8)
        let document = try JSONParser.parseDocument(bytes, options: JSONParser.Options(skipsByteOrderMark: true))
        #expect(document.value == ["a": 1])
        #expect(document.root.members?.first?.value.line == 2)
    }
}
