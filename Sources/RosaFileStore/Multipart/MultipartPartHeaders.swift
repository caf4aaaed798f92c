/// One header field of a part, as received (value trimmed, folded lines joined by a space).
public struct MultipartHeaderField: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The header section of one part, with what RFC 7578 gives meaning to already read out.
public struct MultipartPartHeaders: Sendable, Equatable {
    /// The form field name: Content-Disposition's `name` (RFC 7578 §4.2), e.g. `file_store[file]`.
    public let name: String
    /// Content-Disposition's `filename` as sent, directories included; nil when absent, empty
    /// when sent empty (a browser does that for a file input left blank). RFC 7578 §4.2
    /// forbids `filename*`, so it is not read. Make it safe with `StoredFileName`.
    public let filename: String?
    /// The part's Content-Type as sent; nil when absent, which RFC 7578 §4.4 says means
    /// `text/plain`.
    public let contentType: String?
    /// Every field in order, those above included; RFC 7578 §4.8 gives the others no meaning.
    /// Content-Transfer-Encoding (deprecated by RFC 7578 §4.7) is kept here but not applied.
    public let fields: [MultipartHeaderField]

    public init(fields: [MultipartHeaderField]) throws(MultipartError) {
        guard let dispositionText = try Self.singleValue(of: "Content-Disposition", in: fields) else {
            throw .missingContentDisposition
        }
        guard let disposition = ParameterizedHeaderValue(parsing: dispositionText) else {
            throw .malformedContentDisposition
        }
        guard disposition.value.lowercased() == "form-data" else {
            throw .notFormDataDisposition(type: disposition.value)
        }
        switch disposition.parameter("name") {
        case .absent: throw .missingPartName
        case .repeated: throw .malformedContentDisposition
        case .unique(let name): self.name = name
        }
        switch disposition.parameter("filename") {
        case .absent: filename = nil
        case .repeated: throw .malformedContentDisposition
        case .unique(let filename): self.filename = filename
        }
        let contentType = try Self.singleValue(of: "Content-Type", in: fields)
        self.contentType = contentType?.isEmpty == false ? contentType : nil
        self.fields = fields
    }

    /// Field names compare case-insensitively (RFC 9110 §5.1). A field the parser interprets
    /// must not repeat: two readers of the same body could each pick a different one.
    private static func singleValue(of name: String, in fields: [MultipartHeaderField]) throws(MultipartError)
        -> String?
    {
        let key = name.lowercased()
        let matching = fields.filter { $0.name.lowercased() == key }
        guard matching.count <= 1 else { throw .duplicateHeader(name: name) }
        return matching.first?.value
    }
}

/// Reads one part's header section line by line as it arrives in chunks, within the limits.
/// Lines end in CRLF or a bare LF: a header line cannot hold a CR of its own, so accepting a
/// bare LF here cannot change what any line says.
struct PartHeaderReader: Sendable {
    private var line: [UInt8] = []
    private var fields: [MultipartHeaderField] = []
    /// Bytes of the current section read so far, kept after the section ends until the next
    /// `startSection`; everything the reader retains comes from them.
    private(set) var sectionByteCount = 0

    mutating func startSection() {
        line.removeAll(keepingCapacity: true)
        fields = []
        sectionByteCount = 0
    }

    /// Consumes input from `start` up to the blank line that ends the section. Returns where
    /// it stopped and, once the blank line has been read, the section's fields.
    mutating func read(
        _ input: UnsafeRawBufferPointer, from start: Int, limits: MultipartLimits
    ) throws(MultipartError) -> (end: Int, fields: [MultipartHeaderField]?) {
        var index = start
        while index < input.count {
            let lineFeed = ByteSearch.firstIndex(of: HeaderByte.lineFeed, in: input, from: index)
            let runEnd = lineFeed ?? input.count
            let runLength = runEnd - index
            // Checked before copying, so an endless line costs no more than the limit.
            // The `+ 1` leaves room for the CR of a CRLF, not yet told apart from content.
            guard line.count + runLength <= limits.maximumHeaderLineBytes + 1 else {
                throw .headerLineTooLong(limit: limits.maximumHeaderLineBytes)
            }
            let consumed = runLength + (lineFeed == nil ? 0 : 1)
            guard sectionByteCount + consumed <= limits.maximumHeaderSectionBytes else {
                throw .headerSectionTooLarge(limit: limits.maximumHeaderSectionBytes)
            }
            line.append(contentsOf: input[index..<runEnd])
            sectionByteCount += consumed
            index += consumed
            guard lineFeed != nil else { break }

            if line.last == HeaderByte.carriageReturn { line.removeLast() }
            guard line.count <= limits.maximumHeaderLineBytes else {
                throw .headerLineTooLong(limit: limits.maximumHeaderLineBytes)
            }
            if line.isEmpty { return (index, fields) }
            try appendField(from: line, limits: limits)
            line.removeAll(keepingCapacity: true)
        }
        return (index, nil)
    }

    private mutating func appendField(from line: [UInt8], limits: MultipartLimits) throws(MultipartError) {
        guard !line.contains(where: HeaderByte.isForbiddenControl) else { throw .malformedHeaderLine }
        if let first = line.first, HeaderByte.isWhitespace(first) {
            // RFC 5322 §2.2.3 folding: a line that starts with whitespace continues the field
            // above it. RFC 7578 does not forbid it in part headers, so it is unfolded.
            guard let folded = fields.popLast() else { throw .malformedHeaderLine }
            let continuation = HeaderByte.string(HeaderByte.trimmingWhitespace(line[...]))
            let value = continuation.isEmpty ? folded.value : folded.value + " " + continuation
            fields.append(MultipartHeaderField(name: folded.name, value: value))
            return
        }
        // RFC 9112 §5.1 and RFC 5322 §2.2: a field name is a token directly followed by the
        // colon; whitespace before the colon is rejected, as HTTP servers must.
        guard let colon = line.firstIndex(of: HeaderByte.colon), colon > 0,
            line[..<colon].allSatisfy(HeaderByte.isTokenCharacter)
        else { throw .malformedHeaderLine }
        guard fields.count < limits.maximumHeaderCount else {
            throw .tooManyHeaders(limit: limits.maximumHeaderCount)
        }
        fields.append(
            MultipartHeaderField(
                name: HeaderByte.string(line[..<colon]),
                value: HeaderByte.string(HeaderByte.trimmingWhitespace(line[(colon + 1)...]))
            ))
    }
}
