// Fuzz target: the chunked transfer-coding decoder (module HTTP).
// Invariants: the decoded body and the bytes consumed are the same whatever the split;
// the body never exceeds the limit; every data range lies inside the input given.

func fuzzOne(_ input: FuzzInput) {
    var limits = HTTPLimits()
    limits.maxBodyBytes = 4096
    limits.maxChunkLineBytes = 64
    limits.maxTrailerBytes = 128
    let whole = decode(input.payload, splits: [], limits: limits)
    let pieces = decode(input.payload, splits: [input.splitPoint], limits: limits)
    fuzzRequireEqual(whole, pieces, "split at \(input.splitPoint) changed the outcome")
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
    for piece in fuzzPieces(bytes, splits: splits) {
        pending += piece
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
            fuzzRequire(result.consumed <= pending.count, "consumed more than given")
            if case .data(let range) = result.step {
                fuzzRequire(!range.isEmpty && range.upperBound <= result.consumed, "data range outside the input")
                outcome.body += pending[range]
                fuzzRequire(outcome.body.count <= limits.maxBodyBytes, "body limit not enforced")
            }
            pending.removeFirst(result.consumed)
            outcome.consumed += result.consumed
            if result.step == .end { outcome.ended = true }
            if result.step == .needMore { break }
        }
    }
    return outcome
}
