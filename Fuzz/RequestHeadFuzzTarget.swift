// Fuzz target: the request head scanner, parser and framing rules (module HTTP).
// Invariants beyond "no crash": scanning the bytes whole and in two pieces gives the same
// outcome; a head found never exceeds the configured limits.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = bytes.isEmpty ? 0 : Int(data[0]) % (bytes.count + 1)
    var limits = HTTPLimits()
    limits.maxRequestLineBytes = 256
    limits.maxHeaderBytes = 512
    limits.maxHeaderCount = 16
    let whole = scanAndParse(bytes, splits: [], limits: limits)
    let pieces = scanAndParse(bytes, splits: [split], limits: limits)
    if whole != pieces { fatalError("split at \(split) changed the outcome: \(whole) vs \(pieces)") }
    return 0
}

private enum Outcome: Equatable {
    case incomplete
    case head(RequestHead, length: Int, framing: String)
    case refused(HTTPParseError)
}

private func scanAndParse(_ bytes: [UInt8], splits: [Int], limits: HTTPLimits) -> Outcome {
    var scanner = RequestHeadScanner(limits: limits)
    for end in splits + [bytes.count] {
        do {
            guard let length = try bytes[0..<end].withUnsafeBytes({ try scanner.scan($0) }) else { continue }
            let head = try bytes.withUnsafeBytes {
                try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: $0[scanner.headStart..<length]))
            }
            if head.headers.count > limits.maxHeaderCount { fatalError("header count limit not enforced") }
            let framing: String
            do {
                framing = "\(try BodyFraming.decide(for: head, limits: limits))"
            } catch {
                framing = "refused \(error)"
            }
            return .head(head, length: length, framing: framing)
        } catch let error as HTTPParseError {
            return .refused(error)
        } catch {
            fatalError("unexpected error \(error)")
        }
    }
    return .incomplete
}
