/// What a request's `Range` header asks of a file of a known size (RFC 9110 §14.2).
enum RangeRequest: Equatable {
    /// No range, or one the server ignores (another unit, a syntax error, several ranges —
    /// all allowed to be ignored by §14.2): the whole file, 200.
    case wholeFile
    /// One satisfiable range, already clamped to the file: 206.
    case bytes(first: Int64, last: Int64)
    /// A valid range that starts at or past the end of the file: 416.
    case unsatisfiable

    /// `bytes=N-` (what the ABF console client sends to resume), `bytes=N-M` and the suffix
    /// form `bytes=-S`.
    init(header: String?, fileSize: Int64) {
        guard let header else { self = .wholeFile; return }
        let value = header.trimmingHTTPWhitespace()
        guard let equals = value.firstIndex(of: "="), value[..<equals].trimmingHTTPWhitespace().equalsIgnoringASCIICase("bytes")
        else { self = .wholeFile; return }
        let specs = value[value.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: true)
        guard specs.count == 1, let spec = RangeSpec(specs[0].trimmingHTTPWhitespace()) else {
            self = .wholeFile
            return
        }
        switch spec {
        case .from(let first, let last):
            guard first < fileSize else { self = .unsatisfiable; return }
            self = .bytes(first: first, last: min(last ?? (fileSize - 1), fileSize - 1))
        case .suffix(let length):
            guard length > 0, fileSize > 0 else { self = .unsatisfiable; return }
            self = .bytes(first: max(0, fileSize - length), last: fileSize - 1)
        }
    }
}

/// One `range-spec`: `first-[last]` or `-suffixLength`, digits only.
private enum RangeSpec {
    case from(Int64, last: Int64?)
    case suffix(Int64)

    init?(_ text: Substring) {
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let firstText = text[..<dash], lastText = text[text.index(after: dash)...]
        if firstText.isEmpty {
            guard let length = Self.number(lastText) else { return nil }
            self = .suffix(length)
            return
        }
        guard let first = Self.number(firstText) else { return nil }
        if lastText.isEmpty {
            self = .from(first, last: nil)
            return
        }
        // §14.1.1: a last position before the first makes the range invalid (ignored).
        guard let last = Self.number(lastText), last >= first else { return nil }
        self = .from(first, last: last)
    }

    /// Digits only (no sign, no spaces). A number too large for 64 bits is past any file:
    /// it saturates, so `bytes=99999999999999999999-` is unsatisfiable rather than ignored.
    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(text) ?? Int64.max
    }
}
