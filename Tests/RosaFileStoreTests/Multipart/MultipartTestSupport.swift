import Testing

@testable import RosaFileStore

/// A parser event with its content copied out, so that outcomes can be kept and compared.
/// Adjacent content slices are joined: how the content is sliced depends on the chunks fed,
/// what it is must not.
enum RecordedEvent: Equatable {
    case partBegin(MultipartPartHeaders)
    case partBytes([UInt8])
    case partEnd
    case bodyEnd
}

struct RecordedPart: Equatable {
    let headers: MultipartPartHeaders
    let content: [UInt8]
}

/// Everything a parse produced: the events and the error that stopped it, if any.
struct ParseOutcome: Equatable {
    var events: [RecordedEvent] = []
    var error: MultipartError?

    var parts: [RecordedPart] {
        var parts: [RecordedPart] = []
        var current: (headers: MultipartPartHeaders, content: [UInt8])?
        for event in events {
            switch event {
            case .partBegin(let headers): current = (headers, [])
            case .partBytes(let bytes): current?.content += bytes
            case .partEnd:
                if let finished = current {
                    parts.append(RecordedPart(headers: finished.headers, content: finished.content))
                }
                current = nil
            case .bodyEnd: break
            }
        }
        return parts
    }

    var isComplete: Bool { error == nil && events.last == .bodyEnd }
}

/// Records events and checks their order: content only inside a part, parts never nested,
/// nothing after the end, no empty content slice.
struct EventRecorder {
    private(set) var outcome = ParseOutcome()
    private var insidePart = false
    private var ended = false
    private let sourceLocation: SourceLocation

    init(sourceLocation: SourceLocation) { self.sourceLocation = sourceLocation }

    mutating func record(_ event: MultipartEvent) {
        if ended { Issue.record("event after bodyEnd", sourceLocation: sourceLocation) }
        switch event {
        case .partBegin(let headers):
            if insidePart { Issue.record("partBegin inside a part", sourceLocation: sourceLocation) }
            insidePart = true
            outcome.events.append(.partBegin(headers))
        case .partBytes(let bytes):
            if !insidePart { Issue.record("partBytes outside a part", sourceLocation: sourceLocation) }
            if bytes.isEmpty { Issue.record("empty partBytes", sourceLocation: sourceLocation) }
            if case .partBytes(let earlier) = outcome.events.last {
                outcome.events[outcome.events.count - 1] = .partBytes(earlier + Array(bytes))
            } else {
                outcome.events.append(.partBytes(Array(bytes)))
            }
        case .partEnd:
            if !insidePart { Issue.record("partEnd outside a part", sourceLocation: sourceLocation) }
            insidePart = false
            outcome.events.append(.partEnd)
        case .bodyEnd:
            if insidePart { Issue.record("bodyEnd inside a part", sourceLocation: sourceLocation) }
            ended = true
            outcome.events.append(.bodyEnd)
        }
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Feeds `chunks` in order, each from its own buffer, then finishes.
func parse(
    chunks: [ArraySlice<UInt8>], boundary: MultipartBoundary, limits: MultipartLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
    var parser = MultipartParser(boundary: boundary, limits: limits)
    var recorder = EventRecorder(sourceLocation: sourceLocation)
    var error: MultipartError?
    do {
        for chunk in chunks {
            try Array(chunk).withUnsafeBytes { buffer in
                try parser.feed(buffer) { recorder.record($0) }
            }
        }
        try parser.finish()
    } catch let parseError as MultipartError {
        error = parseError
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return ParseOutcome(events: recorder.outcome.events, error: error)
}

/// Parses `body` whole, then split in two at every position (empty halves included), byte by
/// byte, and in chunks of several small sizes; expects the same outcome every way and returns it.
func parseEveryWay(
    _ body: [UInt8], boundary: MultipartBoundary, limits: MultipartLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
    let whole = parse(chunks: [body[...]], boundary: boundary, limits: limits, sourceLocation: sourceLocation)

    for split in 0...body.count {
        let outcome = parse(
            chunks: [body[..<split], body[split...]], boundary: boundary, limits: limits, sourceLocation: sourceLocation
        )
        if outcome != whole {
            Issue.record("split at \(split) gives \(outcome), whole gives \(whole)", sourceLocation: sourceLocation)
            break
        }
    }
    for size in [1, 2, 3, 5, 7, 16] {
        let chunks = stride(from: 0, to: body.count, by: size).map { body[$0..<min($0 + size, body.count)] }
        let outcome = parse(chunks: chunks, boundary: boundary, limits: limits, sourceLocation: sourceLocation)
        if outcome != whole {
            Issue.record("chunks of \(size) give \(outcome), whole gives \(whole)", sourceLocation: sourceLocation)
        }
    }
    return whole
}

/// A form body as clients write it: each part is a delimiter line, header lines, a blank line,
/// the content and the CRLF that belongs to the next delimiter.
func formBody(
    boundary: String, parts: [(headers: [String], content: [UInt8])], preamble: String = "", epilogue: String = "\r\n"
) -> [UInt8] {
    var body = bytes(preamble)
    for part in parts {
        body += bytes("--\(boundary)\r\n" + part.headers.map { $0 + "\r\n" }.joined() + "\r\n")
        body += part.content + bytes("\r\n")
    }
    return body + bytes("--\(boundary)--" + epilogue)
}

func fileHeaders(name: String = "file_store[file]", filename: String = "kernel.tar.gz") -> [String] {
    [
        "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"",
        "Content-Type: application/octet-stream",
    ]
}

/// Content that is hard on a delimiter search for `boundary`: every byte value, CRs and
/// dashes in odd places, and near-misses of the delimiter that must all stay content.
func awkwardContent(boundary: String) -> [UInt8] {
    var content = (0...255).map { UInt8($0) }
    let nearMisses = [
        "\r\n--" + boundary.dropLast(),  // the delimiter less its last byte
        "\r\n--" + boundary + "X",  // the delimiter followed by a byte that cannot follow it
        "\r\n--" + boundary + "-X",  // … by one dash only
        "\n--" + boundary + "\r\n",  // a bare LF before it (see MultipartParser)
        "--" + boundary + "\r\n",  // no line break before it
        "\r\r\n-\r\n--\r\n--" + boundary.prefix(1),
        "\r\n-" + boundary,
    ]
    for nearMiss in nearMisses { content += bytes(nearMiss) + [0x00, 0xFF] }
    return content + [HeaderByte.carriageReturn]  // so that the closing delimiter follows a CR
}
