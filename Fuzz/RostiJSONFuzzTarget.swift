// Fuzz target: the Rosti API's request body decoding (module RostiAPI): the JSON module's
// parser as `RequestData` runs it, the writer in DRF's format, and the Serializer's field
// readers over the fields of an app and a storage.
// Invariants beyond "no crash":
// - a parse either gives a value or fails with a JSONSyntaxError with a reason (what DRF
//   answers as `JSON parse error - <reason>`), the same one through `RequestData`;
// - parse → write → parse gives the same value, and writing it again gives the same bytes;
// - JSON whitespace around the document changes nothing that parsed;
// - the serializer only reports errors for fields it read, and what it accepts meets the
//   field's constraints (trimmed, within its length and range, in its choices);
// - an integer IntegerField accepted from a string reads the same from its decimal text.

import JSON

func fuzzOne(_ input: FuzzInput) {
    let bytes = input.bytes
    let parsed = checkedParse(bytes)
    guard let value = parsed else { return }

    let written = JSONWriter.bytes(value, .djangoREST)
    guard let reparsed = checkedParse(written) else { fuzzFailure("written JSON does not parse: \(written)") }
    fuzzRequireEqual(reparsed, value, "parse → write → parse changed the value")
    fuzzRequireEqual(JSONWriter.bytes(reparsed, .djangoREST), written, "writing the reparsed value changed the bytes")

    let padded = Array(" \t\r\n".utf8) + bytes + Array("\n ".utf8)
    fuzzRequireEqual(checkedParse(padded), value, "whitespace around the document changed it")

    let first = readAppAndStorageFields(value)
    fuzzRequireEqual(readAppAndStorageFields(value), first, "reading the same body twice differed")
}

/// The value, or nil for a body that is refused the documented way; anything else stops the run.
private func checkedParse(_ bytes: [UInt8]) -> JSONValue? {
    let direct: JSONValue?
    let reason: String?
    do {
        direct = try JSONParser.parse(bytes, options: RequestData.parserOptions)
        reason = nil
    } catch {
        fuzzRequire(!error.reason.isEmpty, "a parse failure without a reason")
        direct = nil
        reason = error.reason
    }
    // A non-empty body of type JSON goes to the parser; the answer must be the parser's.
    guard !bytes.isEmpty else { return direct }
    switch RequestData.parse(bytes, contentType: "Application/JSON; charset=utf-8") {
    case .success(let value): fuzzRequireEqual(value, direct, "RequestData and JSONParser disagree")
    case .failure(let error): fuzzRequireEqual(error, RostiError.jsonParseError(reason: reason ?? "<none>"), "RequestData's refusal")
    }
    return direct
}

/// What the serializer made of one body: the accepted values as text and the errors' field
/// names, or the root refusal.
private struct FieldsOutcome: Equatable {
    var accepted: [String] = []
    var refusedFields: [String] = []
    var rootError: String?
}

private let appModes = ["https+le", "http"]
private let storageEngines = ["mysql", "pgsql"]
private let existingPlanIDs: Set<Int64> = [1, 2, 3]

private func readAppAndStorageFields(_ body: JSONValue) -> FieldsOutcome {
    var outcome = FieldsOutcome()
    var fields: Serializer
    do {
        fields = try Serializer(body)
    } catch RostiError.validation(let errors) {
        fuzzRequire(!(body.isObject), "an object refused at the root")
        outcome.rootError = "\(errors)"
        return outcome
    } catch {
        fuzzFailure("Serializer(_:) threw \(error)")
    }
    fuzzRequire(body.isObject, "a \(PythonText.typeName(body)) accepted as the root")

    let readFields = ["name", "enabled", "domains", "mode", "plan", "ssh_keys", "app_port", "engine", "password", "note"]
    if let name = fields.string("name", required: true, maximumLength: RostiLimits.appNameMaximumLength, matches: isAppNameShaped) {
        fuzzRequire(!name.isEmpty && name.unicodeScalars.count <= RostiLimits.appNameMaximumLength && isAppNameShaped(name), "name \(name) accepted")
        outcome.accepted.append("name=\(name)")
    }
    if let enabled = fields.boolean("enabled") { outcome.accepted.append("enabled=\(enabled)") }
    if let domains = fields.stringList("domains", itemMaximumLength: RostiLimits.domainMaximumLength, maximumCount: RostiLimits.listMaximumCount) {
        fuzzRequire(domains.count <= RostiLimits.listMaximumCount, "too many domains accepted")
        for domain in domains {
            fuzzRequire(!domain.isEmpty && domain == domain.trimmingPythonWhitespace(), "domain \(domain) not trimmed")
            fuzzRequire(domain.unicodeScalars.count <= RostiLimits.domainMaximumLength, "domain too long accepted")
        }
        outcome.accepted.append("domains=\(domains)")
    }
    if let mode = fields.choice("mode", of: appModes) {
        fuzzRequire(appModes.contains(mode), "mode \(mode) accepted")
        outcome.accepted.append("mode=\(mode)")
    }
    do {
        if let plan = try fields.primaryKey("plan", exists: { existingPlanIDs.contains($0) }) {
            fuzzRequire(existingPlanIDs.contains(plan), "plan \(plan) accepted")
            outcome.accepted.append("plan=\(plan)")
        }
    } catch {
        fuzzFailure("primaryKey threw \(error) though its lookup never throws")
    }
    if let keys = fields.stringList("ssh_keys", itemMaximumLength: RostiLimits.sshKeyMaximumLength, maximumCount: RostiLimits.listMaximumCount) {
        outcome.accepted.append("ssh_keys=\(keys.count)")
    }
    if let port = fields.integer("app_port", range: RostiLimits.portRange) {
        fuzzRequire(RostiLimits.portRange.contains(port), "app_port \(port) accepted")
        outcome.accepted.append("app_port=\(port)")
    }
    if case .value(let raw) = fields.input("app_port"), case .value(let number)? = Serializer.pythonInt(raw) {
        fuzzRequireEqual(Serializer.pythonInt(.string(String(number))), .value(number), "the integer's decimal text reads back")
    }
    if let engine = fields.choice("engine", required: true, of: storageEngines) {
        outcome.accepted.append("engine=\(engine)")
    }
    if let password = fields.string("password", required: true, minimumLength: RostiLimits.storagePasswordMinimumLength,
                                    maximumLength: RostiLimits.storagePasswordMaximumLength) {
        let length = password.unicodeScalars.count
        fuzzRequire(length >= RostiLimits.storagePasswordMinimumLength && length <= RostiLimits.storagePasswordMaximumLength,
                    "password of \(length) characters accepted")
        outcome.accepted.append("password=\(password)")
    }
    if let note = fields.string("note", allowBlank: true, maximumLength: RostiLimits.noteMaximumLength) {
        fuzzRequire(note.unicodeScalars.count <= RostiLimits.noteMaximumLength, "note too long accepted")
        outcome.accepted.append("note=\(note)")
    }

    do {
        try fields.finish()
        fuzzRequire(fields.errors.isEmpty, "finish() passed with errors recorded")
    } catch RostiError.validation(let errors) {
        fuzzRequire(!errors.isEmpty, "an empty validation error")
        outcome.refusedFields = errors.fields.map(\.name)
        for name in outcome.refusedFields {
            fuzzRequire(readFields.contains(name), "an error for \(name), a field never read")
        }
        fuzzRequireEqual(Set(outcome.refusedFields).count, outcome.refusedFields.count, "a field reported twice")
    } catch {
        fuzzFailure("finish() threw \(error)")
    }
    return outcome
}

/// The shape of an app name (letters, digits, `_` and `.`), as the apps endpoint checks it.
private func isAppNameShaped(_ name: String) -> Bool {
    name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
}

private extension JSONValue {
    var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}
