import Emulator
import HTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RosaRoutes {
    /// `GET /api/v1/file_stores/<sha1>[.ext]` and `GET /download/<sha1>`: open to everyone;
    /// the bytes are sent from the blob file with `sendfile(2)`. Always `Content-Length`
    /// (the ABF console client aborts without it), `Accept-Ranges`, an `ETag` that is the
    /// content's own SHA-1 (so it never changes for a hash), 304 for a matching
    /// `If-None-Match`, and 206 for a satisfiable `Range` (416 for one past the end).
    func download(_ request: Request) throws -> Response {
        guard let sha1 = Self.fileHash(in: request) else { throw RosaError.notFound }
        let state = try request.tenant().state
        guard let record = try RosaFiles(state: state).find(sha1: sha1) else { throw RosaError.notFound }

        let tag = EntityTag.quoted(sha1)
        if EntityTag.noneMatchIsSatisfied(by: tag, in: request) { return EntityTag.notModified(tag) }

        // Opened now, not when the answer is written: a delete that comes in between still
        // lets this download finish (an unlinked open file stays readable).
        let file: OpenFile
        do {
            file = try OpenFile(path: state.blobs.path(for: sha1))
        } catch let error as SocketError where error.errno == ENOENT {
            throw RosaError.notFound  // deleted since the row was read
        }
        let presentation = DownloadPresentation(fileName: record.fileName)
        var headers: HTTPHeaders = [
            "Content-Type": presentation.contentType,
            "Content-Disposition": presentation.contentDisposition,
            "Accept-Ranges": "bytes",
            "ETag": tag,
        ]
        let range = EntityTag.ifRangeAllowsRange(tag: tag, in: request)
            ? RangeRequest(header: request.headers["Range"], fileSize: file.size) : .wholeFile
        switch range {
        case .wholeFile:
            return Response(status: .ok, headers: headers, body: .file(FileRegion(file: file)))
        case .bytes(let first, let last):
            headers.add(name: "Content-Range", value: "bytes \(first)-\(last)/\(file.size)")
            return Response(
                status: .partialContent, headers: headers,
                body: .file(FileRegion(file: file, offset: first, length: last - first + 1)))
        case .unsatisfiable:
            throw RosaError.rangeNotSatisfiable(fileSize: file.size)
        }
    }
}
