import Testing

@testable import JSON

/// Equality is Python's `==` on what `json.loads` makes of the values.
@Suite struct JSONValueTests {
    @Test func numbersAreEqualByValue() {
        #expect(JSONValue.integer(1) == .number(1.0))
        #expect(JSONValue.number(JSONNumber(text: "1.50", isInteger: false)) == .number(1.5))
        #expect(JSONValue.number(JSONNumber(text: "-0", isInteger: true)) == 0)
        #expect(JSONValue.number(JSONNumber(text: "123456789012345678901234567890", isInteger: true))
            != .number(JSONNumber(text: "123456789012345678901234567891", isInteger: true)))
        #expect(JSONValue.integer(1) != "1")
    }

    @Test func objectsAreEqualWhateverTheOrderOfKeys() {
        let ab: JSONValue = ["a": 1, "b": [true, nil]]
        let ba: JSONValue = ["b": [true, nil], "a": 1]
        #expect(ab == ba)
        #expect(ab != ["a": 1])
        #expect(ab != ["a": 1, "b": [true]])
    }

    @Test func settingAKeyAgainReplacesItsValueInPlace() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == 3)
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
    }

    @Test func readsValuesAsTheirTypes() {
        let value: JSONValue = ["n": 2.5, "i": 7, "s": "x", "b": false, "a": [], "o": [:], "z": nil]
        #expect(value["n"]?.numberValue == 2.5)
        #expect(value["n"]?.int64Value == nil)
        #expect(value["i"]?.int64Value == 7)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == false)
        #expect(value["a"]?.arrayValue == [])
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value["z"]?.isNull == true)
        #expect(["n", "s", "b", "a", "o", "z"].map { value[$0]?.typeName } == ["a number", "a string", "a boolean", "an array", "an object", "null"])
    }
}
