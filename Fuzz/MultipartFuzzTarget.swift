// Fuzz target: the streaming multipart/form-data parser (module RosaFileStore).
// Invariants: the events (with content joined) and the outcome are the same whatever the
// split; the parser never holds more than its limits allow.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = bytes.isEmpty ? 0 : Int(data[0]) % (bytes.count + 1)
    let whole = parse(bytes, splits: [])
    let pieces = parse(bytes, splits: [split])
    if whole != pieces { fatalError("split at \(split) changed the outcome: \(whole) vs \(pieces)") }
    return 0
}

private let boundary = try! MultipartBoundary("xyz")

/// The events as text, each part's content joined as raw bytes first (a UTF-8 sequence may
/// straddle two slices, so slices must not be decoded one by one).
private func parse(_ bytes: [UInt8], splits: [Int]) -> [String] {
    var parser = MultipartParser(boundary: boundary)
    var events: [String] = []
    var content: [UInt8] = []
    func flushContent() {
        if !content.isEmpty { events.append("bytes \(content)") }
        content = []
    }
    var position = 0
    do {
        for end in splits + [bytes.count] where end >= position {
            try bytes[position..<end].withUnsafeBytes { chunk in
                try parser.feed(chunk) { event in
                    switch event {
                    case .partBytes(let slice):
                        content += slice
                    case .partBegin(let headers):
                        flushContent()
                        events.append("begin \(headers.name) \(headers.filename ?? "-")")
                    case .partEnd:
                        flushContent()
                        events.append("end")
                    case .bodyEnd:
                        flushContent()
                        events.append("body end")
                    }
                }
            }
            position = end
            let limit = MultipartLimits.default.maximumHeaderSectionBytes + MultipartLimits.default.maximumPreambleBytes + 256
            if parser.bufferedByteCount > limit { fatalError("parser holds \(parser.bufferedByteCount) bytes") }
        }
        try parser.finish()
        flushContent()
        events.append("finished")
    } catch {
        flushContent()
        events.append("error \(error)")
    }
    return events
}
