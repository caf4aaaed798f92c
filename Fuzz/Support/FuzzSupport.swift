// The frame every fuzz target shares (scripts/fuzz compiles this file into each target).
//
// libFuzzer calls `LLVMFuzzerTestOneInput` once per input; it hands the input to the
// target's `fuzzOne(_:)` as a `FuzzInput`. A property that does not hold stops the run
// through `fuzzFailure`, which libFuzzer records as a crash with the input saved.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(FuzzInput(Array(UnsafeBufferPointer(start: data, count: size))))
    return 0
}

/// One input, with the ways the targets read it: the first byte chooses (a split point, a
/// variant, a sub-parser) and the rest is the payload.
struct FuzzInput {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The first byte, which steers the run; nil for an empty input.
    var selector: UInt8? { bytes.first }

    /// Everything after the selector byte.
    var payload: [UInt8] { Array(bytes.dropFirst()) }

    /// A position in `payload` (0…count) chosen by the selector, where the target splits
    /// the input in two to check that a streaming parser's answer does not depend on how the
    /// bytes arrive.
    var splitPoint: Int {
        let payloadCount = bytes.count - 1
        guard let selector, payloadCount > 0 else { return 0 }
        return Int(selector) % (payloadCount + 1)
    }

    /// The payload as text, invalid UTF-8 replaced (as the server decodes header values).
    var payloadText: String { String(decoding: payload, as: UTF8.self) }
}

/// Stops the run: a property did not hold. libFuzzer saves the input as a crash artifact.
func fuzzFailure(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError("fuzz property failed: \(message)", file: file, line: line)
}

/// Stops the run unless `condition` holds.
func fuzzRequire(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                 file: StaticString = #file, line: UInt = #line) {
    if !condition() { fuzzFailure(message(), file: file, line: line) }
}

/// Stops the run unless two outcomes that must agree (whole vs split input, first vs second
/// parse of a round trip) are equal; the message shows both.
func fuzzRequireEqual<Value: Equatable>(_ first: Value, _ second: Value, _ what: @autoclosure () -> String,
                                        file: StaticString = #file, line: UInt = #line) {
    if first != second { fuzzFailure("\(what()): \(first) vs \(second)", file: file, line: line) }
}

/// The pieces a streaming parser is fed: `bytes` cut at each of `splits` (ascending; ones
/// out of order or range are ignored), always ending with the rest.
func fuzzPieces(_ bytes: [UInt8], splits: [Int]) -> [ArraySlice<UInt8>] {
    var pieces: [ArraySlice<UInt8>] = []
    var position = 0
    for end in splits + [bytes.count] where end >= position && end <= bytes.count {
        pieces.append(bytes[position..<end])
        position = end
    }
    return pieces
}
