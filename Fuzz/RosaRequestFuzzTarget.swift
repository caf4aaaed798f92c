// Fuzz target: the Rosa File Store's request-side decoding outside the multipart stream
// (module RosaFileStore): Basic credentials, the name an upload is stored under, a part's
// Content-Disposition parameters, and the download's Range header. The first byte picks
// which one reads the rest.
// Invariants beyond "no crash":
// - credentials read from a header encode back to a header that reads the same, the user
//   name never holds a colon, and the scheme's letter case does not matter;
// - a stored file name is never empty, `.` or `..`, at most NAME_MAX bytes of the allowed
//   ASCII characters, and sanitising it again changes nothing;
// - a parsed parameter list written back (every value quoted as a download's file name is)
//   parses to the same list, and the part headers built from it name the same field and file;
// - a range is inside the file, and the unit's letter case does not matter.

import Foundation
import HTTP  // the header text helpers BasicCredentials and RangeRequest use

func fuzzOne(_ input: FuzzInput) {
    guard let selector = input.selector else { return }
    let text = input.payloadText
    switch selector % 4 {
    case 0: checkBasicCredentials(text)
    case 1: checkStoredFileName(text)
    case 2: checkContentDisposition(text)
    default: checkRange(input.payload)
    }
}

private func checkBasicCredentials(_ header: String) {
    let parsed = BasicCredentials.parse(authorization: header)
    guard case .credentials(let credentials) = parsed else {
        if let space = header.firstIndex(of: " "), header[..<space] == "Basic" {
            // The same header with the scheme in another case reads the same.
            fuzzRequireEqual(BasicCredentials.parse(authorization: "bASIC" + header[space...]), parsed, "scheme case")
        }
        return
    }
    fuzzRequire(!credentials.userName.contains(":"), "user name \(credentials.userName) holds a colon")
    let encoded = Data((credentials.userName + ":" + credentials.password).utf8).base64EncodedString()
    fuzzRequireEqual(BasicCredentials.parse(authorization: "Basic " + encoded), parsed, "credentials encoded again")
    fuzzRequireEqual(BasicCredentials.parse(authorization: "basic\t" + encoded + " "), parsed, "scheme case and whitespace")
}

private let storedNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+~".unicodeScalars)

private func checkStoredFileName(_ clientFileName: String) {
    let stored = StoredFileName(sanitizing: clientFileName).value
    fuzzRequire(!stored.isEmpty, "empty stored name")
    fuzzRequire(stored.utf8.count <= StoredFileName.maximumLength, "stored name of \(stored.utf8.count) bytes")
    fuzzRequire(stored.unicodeScalars.allSatisfy(storedNameCharacters.contains), "stored name \(stored) holds other characters")
    fuzzRequire(!stored.allSatisfy { $0 == "." }, "stored name \(stored) is only dots")
    fuzzRequireEqual(StoredFileName(sanitizing: stored).value, stored, "sanitising twice")
    // A client's directories never reach the stored name.
    fuzzRequireEqual(StoredFileName(sanitizing: "../dir\\sub/" + clientFileName).value, stored, "directories before the name")
}

private func checkContentDisposition(_ text: String) {
    guard let parsed = ParameterizedHeaderValue(parsing: text) else {
        if let headers = try? MultipartPartHeaders(fields: [MultipartHeaderField(name: "Content-Disposition", value: text)]) {
            fuzzFailure("part headers \(headers) from a disposition that does not parse")
        }
        return
    }
    for parameter in parsed.parameters {
        fuzzRequire(parameter.name == parameter.name.lowercased() && !parameter.name.isEmpty, "parameter name \(parameter.name)")
    }
    // Written back with the quoting the download's Content-Disposition uses.
    let written = parsed.value + parsed.parameters.map { "; \($0.name)=\(DownloadPresentation.quotedString($0.value))" }.joined()
    guard let reparsed = ParameterizedHeaderValue(parsing: written) else { fuzzFailure("written back as \(written), which does not parse") }
    fuzzRequireEqual(reparsed.value, parsed.value, "value written back")
    fuzzRequireEqual(reparsed.parameters.map(\.name), parsed.parameters.map(\.name), "parameter names written back")
    fuzzRequireEqual(reparsed.parameters.map(\.value), parsed.parameters.map(\.value), "parameter values written back")

    let field = MultipartHeaderField(name: "content-disposition", value: text)
    if let headers = try? MultipartPartHeaders(fields: [field]) {
        fuzzRequireEqual(parsed.value.lowercased(), "form-data", "disposition type of an accepted part")
        fuzzRequireEqual(parsed.parameter("name"), .unique(headers.name), "the part's name")
        fuzzRequireEqual(parsed.parameter("filename"), headers.filename.map { .unique($0) } ?? .absent, "the part's file name")
    }
}

private func checkRange(_ payload: [UInt8]) {
    guard payload.count >= 2 else { return }
    // Two bytes give the file's size (0…65535), so empty and one-byte files come up often.
    let fileSize = Int64(payload[0]) << 8 | Int64(payload[1])
    let header = String(decoding: payload.dropFirst(2), as: UTF8.self)
    let range = RangeRequest(header: header, fileSize: fileSize)
    if case .bytes(let first, let last) = range {
        fuzzRequire(0 <= first && first <= last && last < fileSize, "range \(first)-\(last) of a \(fileSize)-byte file")
    }
    if let equals = header.firstIndex(of: "="), header[..<equals] == "bytes" {
        fuzzRequireEqual(RangeRequest(header: "BYTES" + header[equals...], fileSize: fileSize), range, "unit case")
    }
}
