// Fuzz target: the streaming multipart/form-data parser (module RosaFileStore).
// Invariants: the events (with content joined) and the outcome are the same whatever the
// split; the parser never holds more than its limits allow.

func fuzzOne(_ input: FuzzInput) {
    let whole = parse(input.payload, splits: [])
    let pieces = parse(input.payload, splits: [input.splitPoint])
    fuzzRequireEqual(whole, pieces, "split at \(input.splitPoint) changed the outcome")
}

private let boundary = try! MultipartBoundary("xyz")

/// What the parser reported, compared as values: formatting each part's bytes as text
/// (an array's description goes through reflection) held the target near 1 000 exec/s.
private enum Event: Equatable, CustomStringConvertible {
    case bytes([UInt8])
    case begin(name: String, filename: String?)
    case end, bodyEnd, finished
    case error(String)

    var description: String {
        switch self {
        case .bytes(let bytes): "bytes(\(bytes.count)) \(String(decoding: bytes.prefix(64), as: UTF8.self))"
        case .begin(let name, let filename): "begin \(name) \(filename ?? "-")"
        case .end: "end"
        case .bodyEnd: "body end"
        case .finished: "finished"
        case .error(let error): "error \(error)"
        }
    }
}

/// The events, each part's content joined as raw bytes first (a UTF-8 sequence may
/// straddle two slices, so slices must not be decoded one by one).
private func parse(_ bytes: [UInt8], splits: [Int]) -> [Event] {
    var parser = MultipartParser(boundary: boundary)
    var events: [Event] = []
    var content: [UInt8] = []
    func flushContent() {
        if !content.isEmpty { events.append(.bytes(content)) }
        content = []
    }
    do {
        for piece in fuzzPieces(bytes, splits: splits) {
            try piece.withUnsafeBytes { chunk in
                try parser.feed(chunk) { event in
                    switch event {
                    case .partBytes(let slice):
                        content += slice
                    case .partBegin(let headers):
                        flushContent()
                        events.append(.begin(name: headers.name, filename: headers.filename))
                    case .partEnd:
                        flushContent()
                        events.append(.end)
                    case .bodyEnd:
                        flushContent()
                        events.append(.bodyEnd)
                    }
                }
            }
            let limit = MultipartLimits.default.maximumHeaderSectionBytes + MultipartLimits.default.maximumPreambleBytes + 256
            fuzzRequire(parser.bufferedByteCount <= limit, "parser holds \(parser.bufferedByteCount) bytes")
        }
        try parser.finish()
        flushContent()
        events.append(.finished)
    } catch {
        flushContent()
        events.append(.error("\(error)"))
    }
    return events
}
