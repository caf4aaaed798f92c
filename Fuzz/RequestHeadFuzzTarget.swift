// Fuzz target: the request head scanner, parser, framing and host rules (module HTTP).
// Invariants beyond "no crash": scanning the bytes whole and in two pieces gives the same
// outcome; a head found never exceeds the configured limits.

func fuzzOne(_ input: FuzzInput) {
    var limits = HTTPLimits()
    limits.maxRequestLineBytes = 256
    limits.maxHeaderBytes = 512
    limits.maxHeaderCount = 16
    let whole = scanAndParse(input.payload, splits: [], limits: limits)
    let pieces = scanAndParse(input.payload, splits: [input.splitPoint], limits: limits)
    fuzzRequireEqual(whole, pieces, "split at \(input.splitPoint) changed the outcome")
}

private enum Outcome: Equatable {
    case incomplete
    case head(RequestHead, length: Int, framing: String)
    case refused(HTTPParseError)
}

private func scanAndParse(_ bytes: [UInt8], splits: [Int], limits: HTTPLimits) -> Outcome {
    var scanner = RequestHeadScanner(limits: limits)
    // The scanner is given everything received so far each time, as the connection does.
    for end in fuzzPieces(bytes, splits: splits).map(\.endIndex) {
        do {
            guard let length = try bytes[0..<end].withUnsafeBytes({ try scanner.scan($0) }) else { continue }
            let head = try bytes.withUnsafeBytes {
                try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: $0[scanner.headStart..<length]))
            }
            fuzzRequire(head.headers.count <= limits.maxHeaderCount, "header count limit not enforced")
            let framing: String
            do {
                framing = "\(try BodyFraming.decide(for: head, limits: limits))"
                // The host check, after the framing's (which refuses two Hosts): a head it
                // accepts has a valid Host, the target's authority for an absolute form.
                var settled = head
                if (try? settled.settleHost()) != nil {
                    let hosts = settled.headers.filter { $0.name.equalsIgnoringASCIICase("Host") }.map(\.value)
                    fuzzRequire(hosts.count <= 1 && hosts.allSatisfy { HostField.isValid($0[...]) }, "settled Host \(hosts)")
                    if let authority = HostField.authority(ofAbsoluteTarget: head.target) {
                        fuzzRequire(hosts == [String(authority)], "absolute form settled on \(hosts)")
                    }
                }
            } catch {
                framing = "refused \(error)"
            }
            return .head(head, length: length, framing: framing)
        } catch let error as HTTPParseError {
            return .refused(error)
        } catch {
            fuzzFailure("unexpected error \(error)")
        }
    }
    return .incomplete
}
