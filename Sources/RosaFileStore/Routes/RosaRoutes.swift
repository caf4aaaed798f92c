import Emulator
import EmulatorState
import HTTP

/// The Rosa File Store API's routes (reference "Endpoints"). Paths come with and without
/// `.json` where the reference says so; a file's path segment may carry any extension
/// (`<sha1>.log?show=true`, `<sha1>.json`), which is ignored for the lookup.
struct RosaRoutes: Sendable {
    static let apiRoot = "/api/v1"

    let limits: RosaFileStoreLimits

    func register(on router: inout Router) {
        let api = Self.apiRoot
        for path in [api + "/file_stores.json", api + "/file_stores"] {
            router.add(.get, path, name: "find by hash") { try find($0) }
        }
        for path in [api + "/upload", api + "/upload.json"] {
            router.add(.post, path, name: "upload") { try upload($0) }
        }
        router.add(.get, api + "/file_stores/{hash}", name: "download") { try download($0) }
        router.add(.get, "/download/{hash}", name: "download (short path)") { try download($0) }
        router.add(.delete, api + "/file_stores/{hash}", name: "delete") { try delete($0) }
        for path in [api + "/check", api + "/check.json"] {
            router.add(.get, path, name: "check credentials") { try check($0) }
        }
        for path in [api, api + "/"] {
            router.add(.get, path, name: "API root") { Self.redirectToSiteRoot(request: $0) }
        }
    }

    // MARK: Find

    /// `GET /api/v1/file_stores.json?hash=…`: open to everyone; `[]` when nothing matches or
    /// no hash is given (builders compare the body with `[]`), never a 404. Hashes compare
    /// case-insensitively: stored ones are lowercase.
    func find(_ request: Request) throws -> Response {
        guard let hash = request.queryValue("hash")?.lowercased(), !hash.isEmpty else {
            return RosaJSON.response(body: Self.nothingFound, request: request)
        }
        let tenant = try request.tenant()
        // Builders ask for the same hashes again and again; the answer changes only with
        // the data.
        let answers = tenant.attachment(FindAnswerCacheKey.self) { VersionedCache<RosaJSON.Body>() }
        let body = try answers.value(for: hash, in: tenant.state.database) {
            let found = try RosaFiles(state: tenant.state).find(sha1: hash)
            return (found.map { RosaJSON.Body([RosaJSON.file($0)]) } ?? Self.nothingFound, true)
        }
        return RosaJSON.response(body: body, request: request)
    }

    private static let nothingFound = RosaJSON.Body([])

    private enum FindAnswerCacheKey: TenantAttachmentKey {
        typealias Value = VersionedCache<RosaJSON.Body>
    }

    // MARK: Upload

    /// `POST /api/v1/upload`: Basic auth, then the body streamed to a blob; 201 with the
    /// SHA-1 the server computed.
    func upload(_ request: Request) throws -> Response {
        let user = try request.authenticatedRosaUser()
        let tenant = try request.tenant()
        let received = try UploadReceiver(limits: limits, blobs: tenant.state.blobs)
            .receive(request.body, contentType: request.headers["Content-Type"])
        try RosaFiles(state: tenant.state).insert(
            received.contents, fileName: received.fileName.value, contentType: received.contentType, user: user,
            created: tenant.clock.now())
        return RosaJSON.response(
            .created, body: ["sha1_hash": .string(received.blob.sha1)], request: request)
    }

    // MARK: Delete

    /// `DELETE /api/v1/file_stores/<sha1>.json`: credentials are checked before the file is
    /// looked up, so an anonymous caller learns nothing about which hashes exist.
    func delete(_ request: Request) throws -> Response {
        let user = try request.authenticatedRosaUser()
        guard let sha1 = Self.fileHash(in: request) else { throw RosaError.notFound }
        try RosaFiles(state: request.tenant().state).delete(sha1: sha1, by: user)
        return Response(status: .noContent)
    }

    // MARK: Check and the API root

    /// `GET /api/v1/check`: whether the credentials are good; `true`.
    func check(_ request: Request) throws -> Response {
        _ = try request.authenticatedRosaUser()
        return RosaJSON.response(body: true, request: request)
    }

    /// The API root sends people to the site, as the documented `curl -i` shows:
    /// 302, `text/html;charset=utf-8` (no space, as documented), no content.
    static func redirectToSiteRoot(request: Request?) -> Response {
        let location = request.flatMap { request in request.headers["Host"].map { "\(request.scheme)://\($0)/" } } ?? "/"
        return Response(
            status: .found, headers: ["Location": location, "Content-Type": "text/html;charset=utf-8"], body: .empty)
    }

    // MARK: Paths

    /// The SHA-1 named by the `{hash}` segment, without any extension, lowercased; nil when
    /// it is not one (such a file cannot exist: 404).
    static func fileHash(in request: Request) -> String? {
        guard let segment = request.parameters["hash"] else { return nil }
        let hash = segment.prefix { $0 != "." }.lowercased()
        return BlobStore.isValidHash(hash) ? hash : nil
    }
}
