import JSON
import Testing

@testable import RostiAPI
import TestSupport

/// `json.loads` as DRF calls it for a request body: nested only as deep as the Rosti API
/// allows (the parser itself is tested in JSONTests).
@Suite struct RequestDataTests {
    @Test func refusesNestingBeyondTheLimit() {
        func parse(_ text: String) -> Result<JSONValue, RostiError> { RequestData.parse(Array(text.utf8), contentType: "application/json") }
        let deep = String(repeating: "[", count: RostiLimits.maximumJSONNesting + 1) + String(repeating: "]", count: RostiLimits.maximumJSONNesting + 1)
        #expect(throws: RostiError.self) { try parse(deep).get() }
        let allowed = String(repeating: "[", count: RostiLimits.maximumJSONNesting) + String(repeating: "]", count: RostiLimits.maximumJSONNesting)
        #expect(throws: Never.self) { try parse(allowed).get() }
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
        let names = [JSONValue.null, true, 1, .number(1.5), "s", [], [:]].map(PythonText.typeName)
        #expect(names == ["NoneType", "bool", "int", "float", "str", "list", "dict"])
    }
}
