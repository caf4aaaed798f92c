// Fuzz target: the JSON module on its own: the parser with each caller's options (Python's,
// the admin API's, seed files' with their lines), and the writer in every format.
// Invariants beyond "no crash":
// - a refusal names a position inside the bytes (line and column from 1) and has both
//   wordings, CPython's and the plain one;
// - the options only add refusals or skip a byte order mark: what is refused without a
//   BOM skip is refused the same with it (BOM aside), and a document with repeated keys
//   refused parses without the refusal to the same value;
// - parseDocument gives the same value as parse, and each value's line is within the
//   document, never before its container's, and in document order;
// - every format reads back: DRF's and the spaced one to an equal value with the same
//   bytes written again, the compact and indented ones (numbers as doubles) likewise
//   where every number is finite; the indented one ends in a newline and agrees with the
//   compact one once whitespace outside strings is taken out.

import JSON

func fuzzOne(_ input: FuzzInput) {
    let bytes = input.bytes
    let python = outcome(bytes, JSONParser.Options())
    let strict = outcome(bytes, JSONParser.Options(refusesDuplicateKeys: true))
    let skipping = outcome(bytes, JSONParser.Options(skipsByteOrderMark: true))

    switch (python, strict) {
    case (.success(let value), .success(let strictValue)): fuzzRequireEqual(strictValue, value, "refusing repeated keys changed the value")
    case (.failure(let error), .failure(let strictError)):
        // A repeated key may come before what Python refuses.
        if case .duplicateKey = strictError.problem { break }
        fuzzRequireEqual(strictError, error, "refusing repeated keys changed the refusal")
    case (.failure(let error), .success): fuzzFailure("refused only without refusing repeated keys: \(error)")
    case (.success, .failure(let error)):
        guard case .duplicateKey = error.problem else { fuzzFailure("refused \(error) with repeated keys refused") }
    }
    if !bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
        fuzzRequireEqual(skipping, python, "skipping a byte order mark changed a document without one")
    }

    checkDocument(bytes, strict: strict)

    guard case .success(let value) = python else { return }
    checkRoundTrip(value, .djangoREST, exact: true)
    checkRoundTrip(value, .spaced, exact: true)
    checkRoundTrip(value, .compact, exact: holdsOnlyFiniteNumbers(value))
    checkRoundTrip(value, .indented, exact: holdsOnlyFiniteNumbers(value))
    let indented = JSONWriter.bytes(value, .indented)
    fuzzRequire(indented.last == UInt8(ascii: "\n"), "the indented format does not end in a newline")
    fuzzRequireEqual(withoutLayout(indented), withoutLayout(JSONWriter.bytes(value, .compact)), "indented and compact differ beyond layout")
}

private func outcome(_ bytes: [UInt8], _ options: JSONParser.Options) -> Result<JSONValue, JSONSyntaxError> {
    let result = Result { () throws(JSONSyntaxError) in try JSONParser.parse(bytes, options: options) }
    if case .failure(let error) = result { checkError(error, in: bytes) }
    return result
}

private func checkError(_ error: JSONSyntaxError, in bytes: [UInt8]) {
    fuzzRequire(!error.reason.isEmpty && !error.explanation.isEmpty, "a refusal without words: \(error.problem)")
    fuzzRequire(error.line >= 1 && error.column >= 1 && error.character >= 0, "a refusal placed before the start: \(error)")
    fuzzRequire(error.character <= bytes.count, "a refusal placed after the end: \(error)")
    let newlines = bytes.count(where: { $0 == 0x0A })
    fuzzRequire(error.line <= newlines + 1, "a refusal on line \(error.line) of \(newlines + 1)")
}

/// parseDocument agrees with parse (repeated keys refused) and places every value.
private func checkDocument(_ bytes: [UInt8], strict: Result<JSONValue, JSONSyntaxError>) {
    let document = Result { () throws(JSONSyntaxError) in try JSONParser.parseDocument(bytes) }
    switch (document, strict) {
    case (.success(let document), .success(let value)):
        fuzzRequireEqual(document.value, value, "parseDocument and parse disagree")
        var previous = 0
        checkLines(document.root, container: 1, previous: &previous, lastLine: bytes.count(where: { $0 == 0x0A }) + 1)
    case (.failure(let error), .failure(let strictError)):
        fuzzRequireEqual(error, strictError, "parseDocument and parse refuse differently")
    default:
        fuzzFailure("parseDocument and parse disagree on whether the bytes are JSON")
    }
}

private func checkLines(_ located: LocatedJSON, container: Int, previous: inout Int, lastLine: Int) {
    fuzzRequire(located.line >= 1 && located.line <= lastLine, "a value on line \(located.line) of \(lastLine)")
    fuzzRequire(located.line >= container, "a value before its container's line")
    fuzzRequire(located.line >= previous, "lines out of document order")
    previous = located.line
    let children = located.elements ?? located.members?.map(\.value) ?? []
    for child in children { checkLines(child, container: located.line, previous: &previous, lastLine: lastLine) }
}

private func checkRoundTrip(_ value: JSONValue, _ format: JSONFormat, exact: Bool) {
    let written = JSONWriter.bytes(value, format)
    guard let reparsed = try? JSONParser.parse(written) else {
        fuzzFailure("written JSON does not parse: \(String(decoding: written, as: UTF8.self))")
    }
    if exact { fuzzRequireEqual(reparsed, value, "write → parse changed the value") }
    fuzzRequireEqual(JSONWriter.bytes(reparsed, format), written, "writing the reparsed value changed the bytes")
}

private func holdsOnlyFiniteNumbers(_ value: JSONValue) -> Bool {
    switch value {
    case .number(let number): return number.double.isFinite
    case .array(let items): return items.allSatisfy(holdsOnlyFiniteNumbers)
    case .object(let object): return object.members.allSatisfy { holdsOnlyFiniteNumbers($0.value) }
    default: return true
    }
}

/// The bytes without the spaces and newlines outside strings.
private func withoutLayout(_ bytes: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var inString = false
    var escaped = false
    for byte in bytes {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            result.append(byte)
        } else if byte == UInt8(ascii: "\"") {
            inString = true
            result.append(byte)
        } else if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") {
            result.append(byte)
        }
    }
    return result
}
