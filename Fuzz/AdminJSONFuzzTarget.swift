// Fuzz target: the admin API's JSON input, which both ports take (module Emulator):
// `FieldReader.body(of:)` over `AdminJSON.parse`, the typed field readers, and
// `AdminJSON.serialized`.
// Invariants beyond "no crash":
// - a body is read as an object, or refused with a 400 naming the field `body`, and the
//   reason agrees with what `AdminJSON.parse` makes of the bytes;
// - parse → serialize → parse gives the same value, and serializing it again the same bytes;
// - JSON whitespace around the document changes nothing;
// - each field reader returns a value within its bounds or refuses with a 400 that names
//   that field (dotted inside a nested object), and reads the same the second time.

import HTTP

func fuzzOne(_ input: FuzzInput) {
    let bytes = input.bytes
    let reader = readBody(bytes)
    let value = AdminJSON.parse(bytes)
    if let value {
        let serialized = value.serialized
        guard let reparsed = AdminJSON.parse(serialized) else {
            fuzzFailure("serialized JSON does not parse: \(String(decoding: serialized, as: UTF8.self))")
        }
        fuzzRequireEqual(reparsed, value, "parse → serialize → parse changed the value")
        fuzzRequireEqual(reparsed.serialized, serialized, "serializing the reparsed value changed the bytes")
        let padded = Array(" \t\r\n".utf8) + bytes + Array("\n ".utf8)
        fuzzRequireEqual(AdminJSON.parse(padded), value, "whitespace around the document changed it")
    }
    guard let reader else { return }
    fuzzRequireEqual(AdminJSON.object(reader.object), value, "the body read is not the document parsed")
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
        switch AdminJSON.parse(bytes) {
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
