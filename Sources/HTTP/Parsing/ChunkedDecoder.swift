/// Decodes the chunked transfer coding (RFC 9112 §7.1) from bytes that arrive piece by
/// piece. Pure: the connection feeds it, and it answers which bytes are body data, without
/// copying them. Chunk extensions and trailer fields are read and discarded.
struct ChunkedDecoder {
    enum Step: Equatable {
        /// Body bytes at this range of the input just given.
        case data(Range<Int>)
        /// Every byte given was consumed; more input is needed.
        case needMore
        /// The last chunk and the trailer section are complete.
        case end
    }

    private enum State: Equatable {
        case size(digits: Int, value: Int64)
        case sizeExtension
        case sizeLineFeed(value: Int64)
        case data(remaining: Int64)
        case dataCarriageReturn
        case dataLineFeed
        case trailerLineStart
        case trailerLine
        case trailerLineFeed
        case finalLineFeed
        case done
    }

    private var state = State.size(digits: 0, value: 0)
    private var lineBytes = 0
    private var trailerBytes = 0
    private(set) var bodyBytes: Int64 = 0
    let limits: HTTPLimits

    init(limits: HTTPLimits) { self.limits = limits }

    var isDone: Bool { state == .done }

    /// Consumes bytes from the front of `input` and reports the first thing found.
    /// `consumed` bytes must be dropped by the caller before the next call.
    mutating func decode(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (consumed: Int, step: Step) {
        var index = 0
        while index < input.count {
            if case .data(let remaining) = state {
                let count = Int(min(remaining, Int64(input.count - index)))
                state = remaining == Int64(count) ? .dataCarriageReturn : .data(remaining: remaining - Int64(count))
                return (index + count, .data(index..<(index + count)))
            }
            try advance(over: input[index])
            index += 1
            if state == .done { return (index, .end) }
        }
        return (index, state == .done ? .end : .needMore)
    }

    private mutating func advance(over byte: UInt8) throws(HTTPParseError) {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        switch state {
        case .size(let digits, let value):
            try countLineByte()
            if let digit = PercentDecoding.hexValue(byte) {
                guard digits < 16, value <= (Int64.max - 15) / 16 else { throw .malformedChunk("chunk size too large") }
                state = .size(digits: digits + 1, value: value * 16 + Int64(digit))
            } else if digits == 0 {
                throw .malformedChunk("missing chunk size")
            } else if byte == cr {
                state = .sizeLineFeed(value: value)
            } else if byte == UInt8(ascii: ";") || HTTPGrammar.isWhitespace(byte) {
                state = .sizeExtension
                extensionValue = value
            } else {
                throw .malformedChunk("invalid chunk size")
            }
        case .sizeExtension:
            try countLineByte()
            if byte == cr {
                state = .sizeLineFeed(value: extensionValue)
            } else if byte == lf || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                throw .malformedChunk("invalid chunk extension")
            }
        case .sizeLineFeed(let value):
            guard byte == lf else { throw .malformedChunk("chunk size line must end with CRLF") }
            lineBytes = 0
            if value == 0 {
                state = .trailerLineStart
            } else {
                bodyBytes += value
                if bodyBytes > limits.maxBodyBytes { throw .contentTooLarge }
                state = .data(remaining: value)
            }
        case .data:
            preconditionFailure("data is consumed in bulk by decode")
        case .dataCarriageReturn:
            guard byte == cr else { throw .malformedChunk("chunk data must end with CRLF") }
            state = .dataLineFeed
        case .dataLineFeed:
            guard byte == lf else { throw .malformedChunk("chunk data must end with CRLF") }
            state = .size(digits: 0, value: 0)
        case .trailerLineStart:
            try countTrailerByte()
            if byte == cr {
                state = .finalLineFeed
            } else if byte == lf {
                throw .bareLineFeed
            } else {
                state = .trailerLine
            }
        case .trailerLine:
            try countTrailerByte()
            if byte == cr {
                state = .trailerLineFeed
            } else if byte == lf {
                throw .bareLineFeed
            } else if !HTTPGrammar.isFieldValueCharacter(byte) {
                throw .malformedChunk("invalid character in trailer")
            }
        case .trailerLineFeed:
            guard byte == lf else { throw .bareLineFeed }
            state = .trailerLineStart
        case .finalLineFeed:
            guard byte == lf else { throw .malformedChunk("chunked body must end with CRLF") }
            state = .done
        case .done:
            break
        }
    }

    /// The size parsed before an extension began, kept while the extension is skipped.
    private var extensionValue: Int64 = 0

    private mutating func countLineByte() throws(HTTPParseError) {
        lineBytes += 1
        if lineBytes > limits.maxChunkLineBytes { throw .malformedChunk("chunk size line too long") }
    }

    private mutating func countTrailerByte() throws(HTTPParseError) {
        trailerBytes += 1
        if trailerBytes > limits.maxTrailerBytes { throw .trailerSectionTooLarge }
    }
}
