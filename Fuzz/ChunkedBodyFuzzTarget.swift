// Fuzz target: the chunked transfer-coding decoder (module HTTP).
// Invariants: the decoded body and the bytes consumed are the same whatever the split;
// the body never exceeds the limit; every data range lies inside the input given.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = bytes.isEmpty ? 0 : Int(data[0]) % (bytes.count + 1)
    var limits = HTTPLimits()
    limits.maxBodyBytes = 4096
    limits.maxChunkLineBytes = 64
    limits.maxTrailerBytes = 128
    let whole = decode(bytes, splits: [], limits: limits)
    let pieces = decode(bytes, splits: [split], limits: limits)
    if whole != pieces { fatalError("split at \(split) changed the outcome") }
    return 0
}

private struct Outcome: Equatable {
    var body: [UInt8] = []
    var consumed = 0
    var ended = false
    var error: HTTPParseError?
}

private func decode(_ bytes: [UInt8], splits: [Int], limits: HTTPLimits) -> Outcome {
    var decoder = ChunkedDecoder(limits: limits)
    var outcome = Outcome()
    var pending: [UInt8] = []
    var position = 0
    for end in splits + [bytes.count] where end >= position {
        pending += bytes[position..<end]
        position = end
        while !pending.isEmpty && !outcome.ended {
            let result: (consumed: Int, step: ChunkedDecoder.Step)
            do {
                result = try pending.withUnsafeBytes { try decoder.decode($0) }
            } catch {
                // What was consumed before a refusal depends on where the input was split,
                // and means nothing once the body is refused.
                outcome.error = error as? HTTPParseError
                outcome.consumed = 0
                return outcome
            }
            if result.consumed > pending.count { fatalError("consumed more than given") }
            if case .data(let range) = result.step {
                if range.isEmpty || range.upperBound > result.consumed { fatalError("data range outside the input") }
                outcome.body += pending[range]
                if outcome.body.count > limits.maxBodyBytes { fatalError("body limit not enforced") }
            }
            pending.removeFirst(result.consumed)
            outcome.consumed += result.consumed
            if result.step == .end { outcome.ended = true }
            if result.step == .needMore { break }
        }
    }
    return outcome
}
