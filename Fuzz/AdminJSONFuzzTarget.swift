// Fuzz target: the admin API's JSON input, which both ports take (module Emulator):
// `FieldReader.body(of:)` over the JSON module's parser with the admin options, the typed
// field readers, and the admin API's compact format.
// Invariants beyond "no crash":
// - a body is read as an object, or refused with a 400 naming the field `body`, and the
//   reason agrees with what the parser makes of the bytes;
// - parse → write → parse gives the same value (numbers a double can hold), and writing
//   it again the same bytes;
// - JSON whitespace around the document changes nothing;
// - each field reader returns a value within its bounds or refuses with a 400 that names
//   that field (dotted inside a nested object), and reads the same the second time.

import HTTP
import JSON

/// The body as the admin API parses it; nil when it is not JSON.
private func parse(_ bytes: [UInt8]) -> JSONValue? {
    try? JSONParser.parse(bytes, options: FieldReader.parserOptions)
}

func fuzzOne(_ input: FuzzInput) {
    let bytes = input.bytes
    let reader = readBody(bytes)
    let value = parse(bytes)
    if let value {
        let serialized = JSONWriter.bytes(value, .compact)
        guard let reparsed = parse(serialized) else {
            fuzzFailure("written JSON does not parse: \(String(decoding: serialized, as: UTF8.self))")
        }
        // Numbers are written as the doubles they are; one beyond a double's range is null.
        if holdsOnlyFiniteNumbers(value) { fuzzRequireEqual(reparsed, value, "parse → write → parse changed the value") }
        fuzzRequireEqual(JSONWriter.bytes(reparsed, .compact), serialized, "writing the reparsed value changed the bytes")
        let padded = Array(" \t\r\n".utf8) + bytes + Array("\n ".utf8)
        fuzzRequireEqual(parse(padded), value, "whitespace around the document changed it")
    }
    guard let reader else { return }
    fuzzRequireEqual(JSONValue.object(reader.object), value, "the body read is not the document parsed")
    let first = readFields(reader)
    fuzzRequireEqual(readFields(reader), first, "reading the same fields twice differed")
}

/// The body as `FieldReader.body(of:)` takes it from a request, or nil when refused; checks
/// that the refusal is the documented one.
private func readBody(_ bytes: [UInt8]) -> FieldReader? {
    let request = Request(method: .post, target: "/__admin/faults", body: RequestBody(bytes: bytes))
    do {
        return try FieldReader.body(of: request)
    } catch let error as AdminError {
        fuzzRequire(error.status == .badRequest && error.field == "body", "body refused as \(error.status) \(error)")
        let blank = bytes.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
        switch parse(bytes) {
        case nil: fuzzRequire(blank || error.problem == "not valid JSON", "JSON that does not parse refused as \(error)")
        case .object?: fuzzFailure("an object refused: \(error)")
        case let other?: fuzzRequire(error.problem.hasSuffix(other.typeName), "a \(other.typeName) refused as \(error)")
        }
        return nil
    } catch {
        fuzzFailure("FieldReader.body threw \(type(of: error)): \(error)")
    }
}

/// Each field's value or its refusal, as text.
private func readFields(_ reader: FieldReader) -> [String] {
    var outcome: [String] = []
    func read<Value>(_ key: String, in reader: FieldReader, _ body: () throws -> Value?, accepts: (Value) -> Bool) {
        do {
            guard let value = try body() else {
                fuzzRequire(!reader.contains(key), "\(key) given but read as absent")
                return
            }
            fuzzRequire(accepts(value), "\(reader.name(key)) = \(value) accepted")
            outcome.append("\(reader.name(key))=\(value)")
        } catch let error as AdminError {
            fuzzRequire(error.status == .badRequest, "\(key) refused with \(error.status)")
            fuzzRequireEqual(error.field, reader.name(key), "the refusal's field")
            fuzzRequire(reader.contains(key), "an absent \(key) refused")
            outcome.append("refused \(error)")
        } catch {
            fuzzFailure("reading \(key) threw \(type(of: error)): \(error)")
        }
    }
    let delays = 0...ControlPlaneLimits.delayMaximumMilliseconds
    read("status", in: reader, { try reader.integer("status", in: 100...599) }, accepts: { (100...599).contains($0) })
    read("latency_ms", in: reader, { try reader.integer("latency_ms", in: delays) }, accepts: { delays.contains($0) })
    read("probability", in: reader, { try reader.number("probability", in: 0...1) }, accepts: { (0...1).contains($0) })
    read("path", in: reader, { try reader.string("path", maximumLength: ControlPlaneLimits.pathPatternMaximumCharacters) },
         accepts: { $0.count <= ControlPlaneLimits.pathPatternMaximumCharacters })
    read("enabled", in: reader, { try reader.bool("enabled") }, accepts: { _ in true })
    read("accounts", in: reader, { try reader.array("accounts") }, accepts: { _ in true })
    read("job_durations", in: reader, { try reader.object("job_durations") }, accepts: { $0.path == "job_durations" })
    if let nested = try? reader.object("job_durations") {
        read("running_s", in: nested, { try nested.number("running_s", in: 0...86_400) }, accepts: { (0...86_400).contains($0) })
    }
    let known: Set<String> = ["status", "latency_ms", "probability", "path", "enabled", "accounts", "job_durations"]
    do {
        try reader.rejectUnknownKeys(known)
        fuzzRequire(reader.keys.allSatisfy(known.contains), "an unknown key let through")
        outcome.append("known keys only")
    } catch let error as AdminError {
        let field = error.field ?? ""
        fuzzRequire(reader.keys.contains(field) && !known.contains(field), "unknown key refusal \(error)")
        outcome.append("refused \(error)")
    } catch {
        fuzzFailure("rejectUnknownKeys threw \(error)")
    }
    return outcome
}

private func holdsOnlyFiniteNumbers(_ value: JSONValue) -> Bool {
    switch value {
    case .number(let number): return number.double.isFinite
    case .array(let items): return items.allSatisfy(holdsOnlyFiniteNumbers)
    case .object(let object): return object.members.allSatisfy { holdsOnlyFiniteNumbers($0.value) }
    default: return true
    }
}
