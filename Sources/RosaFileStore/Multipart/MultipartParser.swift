/// What the parser reports, in body order: for each part `partBegin`, any number of
/// `partBytes` and `partEnd`; then `bodyEnd` once. Parts the caller does not want (clients
/// may send other form fields) are reported like any other, for the caller to skip.
public enum MultipartEvent {
    /// A part starts; its whole header section has been read.
    case partBegin(MultipartPartHeaders)
    /// The next bytes of the current part's content, never empty. They point into the chunk
    /// given to `feed` (or into the parser, for bytes it held back from an earlier chunk) and
    /// are valid only until the handler returns: copy or write them out, don't keep them.
    case partBytes(UnsafeRawBufferPointer)
    /// The current part's content is complete.
    case partEnd
    /// The close delimiter `--boundary--` was read; the epilogue after it is ignored.
    case bodyEnd
}

/// An incremental `multipart/form-data` parser (RFC 7578 over RFC 2046 §5.1): fed the body in
/// chunks of any size as they arrive, it reports each part's headers and content without
/// ever holding a part. What it retains is at most one header section (bounded by
/// `MultipartLimits`) or a delimiter's worth of bytes held back at the end of a chunk, so a
/// 1 GB file part streams through in constant memory.
///
/// Line endings. A delimiter is recognised only as CRLF `--boundary` (or `--boundary` at the
/// very start of the body): RFC 2046 §5.1.1 makes that CRLF part of the delimiter, so it is
/// not content, and accepting a bare LF there would be ambiguous, because a file ending in a
/// CR sent with LF line breaks would lose that CR. Where no content is at stake a bare LF is
/// accepted in place of CRLF: at the end of a delimiter line and of header lines.
///
/// A line that starts with the delimiter but continues with neither `--`, padding nor a line
/// break (`--boundaryX`) is content, not a delimiter, as in Go's `mime/multipart` and Rack;
/// one that continues with padding must then end the line, or the body is malformed.
///
/// Scanning is linear and mostly skips. Horspool's algorithm reads the last byte of each
/// window of the delimiter's length and, unless that byte can end a delimiter there, shifts
/// the window by up to its whole length; a window whose last byte fits is compared from its
/// start. A CR occurs in the delimiter only as its first byte (`MultipartBoundary` admits no
/// controls), so the bytes matched from one window's start hold no other window start that
/// matches beyond its first byte: at most three comparisons per input byte, whatever the
/// content. (`memchr` per CR was simpler but slow on CR-dense content: 83 MB/s on all CRs.)
public struct MultipartParser: Sendable {
    public let boundary: MultipartBoundary
    public let limits: MultipartLimits

    /// The most bytes the parser has retained at any one time; see `bufferedByteCount`.
    public private(set) var peakBufferedByteCount = 0
    /// Input bytes compared with the delimiter so far: lets tests prove the scan linear, and
    /// skipping on ordinary content, without timing it.
    private(set) var delimiterComparisonCount = 0

    private enum Region {
        /// Before the first delimiter; the bytes are counted and dropped.
        case preamble
        /// Inside a part; the bytes are reported.
        case part
    }

    private enum State {
        /// Looking for the delimiter; the first `matched` bytes of it were the last of the
        /// previous chunk and are held back until the next chunk says whether they are one.
        case searching(Region, matched: Int)
        /// The whole delimiter was read; the next byte says whether it is one.
        case delimiterRead(Region)
        /// The delimiter and one `-`; a second `-` would close the body.
        case delimiterAndDashRead(Region)
        /// A delimiter line, before its line break.
        case transportPadding
        case delimiterLineCarriageReturn
        case headers
        case epilogue
        case failed(MultipartError)
    }

    private let delimiter: [UInt8]
    /// Horspool's shift for each byte value: how far the window may move when that byte is
    /// its last, i.e. the distance from the byte's last place in the delimiter before its
    /// final position to that final position, or the whole length if it has none.
    private let shifts: [UInt8]
    private var state: State
    /// The parser acts as if a CRLF had just been read at the start of the body, so that a
    /// body opening with `--boundary` (RFC 2046 §5.1.1: `multipart-body` starts with
    /// `dash-boundary` when there is no preamble) is found like any later delimiter; and at
    /// the start of each part's content, so that `headers CRLF CRLF --boundary` is an empty
    /// part, as Go's `mime/multipart` reads it (a conforming client sends a third CRLF; the
    /// shorter form can only come from one that is not, since it puts CRLF `--boundary`
    /// inside the part). While this is true, the first two bytes of the match held back are
    /// those implied ones, not input.
    private var heldMatchIncludesImpliedLineBreak = true
    private var headerReader = PartHeaderReader()
    private var partCount = 0
    private var preambleByteCount = 0

    private static let impliedLineBreakLength = 2
    private static let dash: [UInt8] = [HeaderByte.dash]

    public init(boundary: MultipartBoundary, limits: MultipartLimits = .default) {
        self.boundary = boundary
        self.limits = limits
        let delimiter = boundary.delimiter
        var shifts = [UInt8](repeating: UInt8(delimiter.count), count: 256)
        for (position, byte) in delimiter.dropLast().enumerated() {
            shifts[Int(byte)] = UInt8(delimiter.count - 1 - position)
        }
        self.delimiter = delimiter
        self.shifts = shifts
        state = .searching(.preamble, matched: Self.impliedLineBreakLength)
    }

    /// Input bytes the parser retains now: the current part's header section read so far, or
    /// the bytes of a possible delimiter held back at the end of the last chunk. Never more
    /// than `limits.maximumHeaderSectionBytes` or the delimiter's length plus one.
    public var bufferedByteCount: Int {
        let implied = heldMatchIncludesImpliedLineBreak ? Self.impliedLineBreakLength : 0
        switch state {
        case .searching(_, let matched): return matched - implied
        case .delimiterRead: return delimiter.count - implied
        case .delimiterAndDashRead: return delimiter.count + 1 - implied
        case .headers: return headerReader.sectionByteCount
        case .transportPadding, .delimiterLineCarriageReturn, .epilogue, .failed: return 0
        }
    }

    /// Parses the next chunk of the body, calling `handle` for each event it completes.
    /// Throws a `MultipartError` when the body is malformed or a limit is crossed, or what
    /// `handle` throws. After a throw the parser only throws again: the same
    /// `MultipartError`, or `MultipartError.interrupted` after an error of the handler.
    public mutating func feed(_ input: UnsafeRawBufferPointer, _ handle: (MultipartEvent) throws -> Void) throws {
        if case .failed(let error) = state { throw error }
        do {
            var index = 0
            while index < input.count {
                index = try step(input, from: index, handle)
                peakBufferedByteCount = max(peakBufferedByteCount, bufferedByteCount)
            }
        } catch let error as MultipartError {
            state = .failed(error)
            throw error
        } catch {
            state = .failed(.interrupted)
            throw error
        }
    }

    /// Says the body has ended. Throws `truncated` unless the close delimiter was read
    /// (`boundaryNotFound` when not even the first delimiter was), or the earlier error.
    public mutating func finish() throws(MultipartError) {
        let error: MultipartError
        switch state {
        case .epilogue: return
        case .failed(let earlier): throw earlier
        case .searching(.preamble, _): error = .boundaryNotFound
        default: error = .truncated
        }
        state = .failed(error)
        throw error
    }

    /// Advances through one state; returns the index of the first byte not consumed.
    private mutating func step(
        _ input: UnsafeRawBufferPointer, from index: Int, _ handle: (MultipartEvent) throws -> Void
    ) throws -> Int {
        switch state {
        case .searching(let region, let matched):
            return try search(input, from: index, region: region, matched: matched, handle)

        case .delimiterRead(let region):
            switch input[index] {
            case HeaderByte.dash:
                state = .delimiterAndDashRead(region)
                return index + 1
            case HeaderByte.space, HeaderByte.tab, HeaderByte.carriageReturn, HeaderByte.lineFeed:
                try beginDelimiterLine(endingPartIn: region, handle)
                return index
            default:
                try releaseHeldMatch(delimiter.count, followedByDash: false, region: region, handle)
                return index
            }

        case .delimiterAndDashRead(let region):
            guard input[index] == HeaderByte.dash else {
                try releaseHeldMatch(delimiter.count, followedByDash: true, region: region, handle)
                return index
            }
            heldMatchIncludesImpliedLineBreak = false
            state = .epilogue
            if region == .part { try handle(.partEnd) }
            try handle(.bodyEnd)
            return index + 1

        case .transportPadding:
            var index = index
            while index < input.count, HeaderByte.isWhitespace(input[index]) { index += 1 }
            guard index < input.count else { return index }
            switch input[index] {
            case HeaderByte.carriageReturn: state = .delimiterLineCarriageReturn
            case HeaderByte.lineFeed: state = .headers
            default: throw MultipartError.malformedDelimiterLine
            }
            return index + 1

        case .delimiterLineCarriageReturn:
            guard input[index] == HeaderByte.lineFeed else { throw MultipartError.malformedDelimiterLine }
            state = .headers
            return index + 1

        case .headers:
            let (end, fields) = try headerReader.read(input, from: index, limits: limits)
            guard let fields else { return end }
            peakBufferedByteCount = max(peakBufferedByteCount, headerReader.sectionByteCount)
            let headers = try MultipartPartHeaders(fields: fields)
            state = .searching(.part, matched: Self.impliedLineBreakLength)
            heldMatchIncludesImpliedLineBreak = true
            try handle(.partBegin(headers))
            return end

        case .epilogue:
            return input.count

        case .failed(let error):
            throw error
        }
    }

    /// Looks for the delimiter from `start`, passing on the bytes before it as content of
    /// `region`, and holds back a prefix of the delimiter that reaches the end of the chunk.
    private mutating func search(
        _ input: UnsafeRawBufferPointer, from start: Int, region: Region, matched: Int,
        _ handle: (MultipartEvent) throws -> Void
    ) throws -> Int {
        var index = start
        if matched > 0 {
            let (end, total) = extendMatch(input, from: index, matched: matched)
            if total == delimiter.count {
                state = .delimiterRead(region)
                return end
            }
            if end == input.count {
                state = .searching(region, matched: total)
                return end
            }
            try releaseHeldMatch(total, followedByDash: false, region: region, handle)
            // The byte that differed may itself be the CR of a delimiter.
            index = end
        }
        var comparisons = 0
        let outcome = delimiter.withUnsafeBufferPointer { delimiter in
            shifts.withUnsafeBufferPointer { shifts in
                Self.firstDelimiter(
                    in: input, from: index, delimiter: delimiter, shifts: shifts, comparisons: &comparisons)
            }
        }
        delimiterComparisonCount += comparisons
        switch outcome {
        case .found(let delimiterStart):
            try pass(UnsafeRawBufferPointer(rebasing: input[index..<delimiterStart]), to: region, handle)
            state = .delimiterRead(region)
            return delimiterStart + delimiter.count
        case .notFound(let tailStart):
            let held = heldPrefixLength(input, from: tailStart)
            try pass(UnsafeRawBufferPointer(rebasing: input[index..<input.count - held]), to: region, handle)
            state = .searching(region, matched: held)
            return input.count
        }
    }

    private enum DelimiterSearchOutcome {
        case found(at: Int)
        /// No whole delimiter; none starts before `tailStart`, the first window start that no
        /// longer fits in the input, nor any prefix of one that reaches the end of the input:
        /// the shift rule rules out both alike.
        case notFound(tailStart: Int)
    }

    /// Horspool's search for the whole delimiter in `input[start...]`.
    private static func firstDelimiter(
        in input: UnsafeRawBufferPointer, from start: Int, delimiter: UnsafeBufferPointer<UInt8>,
        shifts: UnsafeBufferPointer<UInt8>, comparisons: inout Int
    ) -> DelimiterSearchOutcome {
        let length = delimiter.count
        let lastByte = delimiter[length - 1]
        var windowStart = start
        while windowStart + length <= input.count {
            let windowLastByte = input[windowStart + length - 1]
            comparisons += 1
            if windowLastByte == lastByte {
                var matched = 0
                while matched < length - 1 {
                    comparisons += 1
                    guard input[windowStart + matched] == delimiter[matched] else { break }
                    matched += 1
                }
                if matched == length - 1 { return .found(at: windowStart) }
            }
            windowStart += Int(shifts[Int(windowLastByte)])
        }
        return .notFound(tailStart: windowStart)
    }

    /// The length of the longest suffix of `input[tailStart...]` (shorter than the delimiter)
    /// that begins the delimiter: those bytes are held back for the next chunk to decide.
    private mutating func heldPrefixLength(_ input: UnsafeRawBufferPointer, from tailStart: Int) -> Int {
        var index = tailStart
        while let candidate = ByteSearch.firstIndex(of: HeaderByte.carriageReturn, in: input, from: index) {
            let (end, matched) = extendMatch(input, from: candidate, matched: 0)
            if end == input.count { return matched }
            // The byte that differed may itself be the CR of a delimiter.
            index = end
        }
        return 0
    }

    /// Compares the input from `start` with the delimiter from `alreadyMatched` on, up to the
    /// first difference or the end of either.
    private mutating func extendMatch(_ input: UnsafeRawBufferPointer, from start: Int, matched alreadyMatched: Int)
        -> (end: Int, matched: Int)
    {
        var index = start
        var matched = alreadyMatched
        while matched < delimiter.count, index < input.count {
            delimiterComparisonCount += 1
            guard input[index] == delimiter[matched] else { break }
            index += 1
            matched += 1
        }
        return (index, matched)
    }

    /// The `matched` bytes held back as a possible delimiter (and a `-` read after it) turn
    /// out to be content of `region`. They equal the delimiter's first bytes, so they are
    /// passed on from the parser's copy of it. None of them can start another delimiter: a CR
    /// occurs in it only first.
    private mutating func releaseHeldMatch(
        _ matched: Int, followedByDash: Bool, region: Region, _ handle: (MultipartEvent) throws -> Void
    ) throws {
        let implied = heldMatchIncludesImpliedLineBreak ? Self.impliedLineBreakLength : 0
        heldMatchIncludesImpliedLineBreak = false
        state = .searching(region, matched: 0)
        let delimiter = self.delimiter
        try delimiter.withUnsafeBytes { held in
            try pass(UnsafeRawBufferPointer(rebasing: held[implied..<matched]), to: region, handle)
        }
        if followedByDash {
            try Self.dash.withUnsafeBytes { try pass($0, to: region, handle) }
        }
    }

    /// A delimiter line starts: the part before it (if any) ends and the next one's headers follow.
    private mutating func beginDelimiterLine(endingPartIn region: Region, _ handle: (MultipartEvent) throws -> Void)
        throws
    {
        heldMatchIncludesImpliedLineBreak = false
        state = .transportPadding
        if region == .part { try handle(.partEnd) }
        partCount += 1
        guard partCount <= limits.maximumPartCount else {
            throw MultipartError.tooManyParts(limit: limits.maximumPartCount)
        }
        headerReader.startSection()
    }

    private mutating func pass(
        _ bytes: UnsafeRawBufferPointer, to region: Region, _ handle: (MultipartEvent) throws -> Void
    ) throws {
        guard !bytes.isEmpty else { return }
        switch region {
        case .part:
            try handle(.partBytes(bytes))
        case .preamble:
            preambleByteCount += bytes.count
            guard preambleByteCount <= limits.maximumPreambleBytes else { throw MultipartError.boundaryNotFound }
        }
    }
}
