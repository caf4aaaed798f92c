import HTTP
import Testing

@testable import Emulator
import TestSupport

/// How admin bodies are read: JSON as Python reads it (the one parser Rostra has), a UTF-8
/// byte order mark skipped, and every refusal a 400 that names the body or the field.
@Suite struct AdminInputTests {
    func post(_ body: String) throws -> ProbeResponse {
        try ControlPlaneHarness().send("POST", "/__admin/faults", headers: ["Content-Type": "application/json"], body: body)
    }

    /// What no JSON parser accepts, Foundation's leniencies included (trailing commas, which
    /// its decoder let through) and NUL bytes after a number (which it read as the number).
    @Test(arguments: [#"{"status": 500,}"#, #"{"status": 500, "path": ["^/a",]}"#, "0\0\0", "{\"status\": 500}\0",
                      #"{"status": NaN}"#, #"{"status": 500} {}"#, #"{'status': 500}"#, #"{"status": 0500}"#])
    func whatIsNotJSONIsRefusedAsSuch(body: String) throws {
        let refused = try post(body)
        #expect(refused.status == 400)
        #expect(refused["error"] == "body: not valid JSON")
        #expect(refused["field"] == "body")
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        let added = try post("\u{FEFF}{\"status\": 500}")
        #expect(added.status == 201)
        #expect(added["status"] == 500)
    }

    /// Python's `json.loads` (and JavaScript's `JSON.parse`) keep the last of repeated keys.
    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        let added = try post(#"{"status": 500, "status": 503}"#)
        #expect(added.status == 201)
        #expect(added["status"] == 503)
    }

    /// A number beyond a double's range is valid JSON; the field that reads it refuses it
    /// by name, quoting it as it was written.
    @Test func numbersBeyondADoublesRangeAreRefusedByTheirField() throws {
        let probability = try post(#"{"status": 500, "probability": 1e400}"#)
        #expect(probability.status == 400)
        #expect(probability["error"] == "probability: 1e400 is out of range 0…1")
        let status = try post(#"{"status": -1e400}"#)
        #expect(status["error"] == "status: expected a whole number, got -1e400")
    }

    /// A lone surrogate escape cannot be UTF-8: it is read as U+FFFD, as the Rosti API reads it.
    @Test func aLoneSurrogateBecomesTheReplacementCharacter() throws {
        let added = try post(#"{"status": 500, "path": "^/x\ud800"}"#)
        #expect(added.status == 201)
        #expect(added["path"] == "^/x\u{FFFD}")
    }
}
