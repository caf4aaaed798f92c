import Dispatch
import Emulator
import HTTP
import JSON
import Logging
import Primitives
import Synchronization

/// The Rosti API on its port: the resources of `RostiEndpoints`, the CoreAPI schema made
/// from the same table, the JavaScript client, and DRF's error bodies in Czech and English.
public struct RostiService: APIService {
    public let api = EmulatedAPI.rosti
    public let errorRenderer: any ErrorRenderer
    private let emulator: Emulator
    private let endpoints: [Endpoint]
    private let documents: SchemaDocumentCache

    /// The schema's renderings, made once: they only change with the code.
    struct SchemaDocuments: Sendable {
        let coreJSON: [UInt8]
        let script: [UInt8]
        /// The browser page, all but the host it is served from (`ServedHost`).
        let page: HTMLTemplate
        let client: [UInt8]
    }

    public init(emulator: Emulator) {
        self.init(emulator: emulator, endpoints: RostiEndpoints.all)
    }

    init(emulator: Emulator, endpoints: [Endpoint]) {
        self.emulator = emulator
        self.endpoints = endpoints
        errorRenderer = RostiErrorRenderer(settings: emulator.settings)
        documents = SchemaDocumentCache {
            let coreJSON = JSONWriter.bytes(CoreAPISchema.document(endpoints), .djangoREST)
            return SchemaDocuments(
                coreJSON: coreJSON, script: CoreAPISchema.script(coreJSON), page: DocumentationPage.page(endpoints),
                client: JavaScriptClient.bytes)
        }
    }

    public func registerRoutes(on router: inout Router) {
        router.group(RostiPaths.version1, middleware: [AccessBeforeMethod(service: self)]) { v1 in
            for endpoint in self.endpoints {
                precondition(endpoint.path.hasPrefix(RostiPaths.version1), "\(endpoint.path) is outside \(RostiPaths.version1)")
                let path = String(endpoint.path.dropFirst(RostiPaths.version1.count))
                let handle = endpoint.handle
                if endpoint.method == .get {
                    v1.add(endpoint.method, path, name: endpoint.name) { [self] request in
                        let call = try call(for: request)
                        return try call.cachedRead { try handle(call) }
                    }
                } else {
                    v1.add(endpoint.method, path, name: endpoint.name) { [self] request in
                        try handle(call(for: request))
                    }
                }
            }
        }
        let cache = self.documents
        router.add(.get, RostiPaths.schema, name: "schema") { request in
            let documents = cache.documents
            switch try CoreAPISchema.representation(for: request) {
            case .coreJSON: return Response(contentType: CoreAPISchema.mediaType, bytes: documents.coreJSON, headers: ["Vary": "Accept"])
            case .html:
                let page = documents.page.render(ServedHost(request: request).slots)
                return Response(contentType: "text/html; charset=utf-8", bytes: page, headers: ["Vary": "Accept"])
            }
        }
        router.add(.get, RostiPaths.schemaScript, name: "schema script") { _ in
            Response(contentType: "application/javascript; charset=utf-8", bytes: cache.documents.script)
        }
        router.add(.get, RostiPaths.javaScriptClient, name: "coreapi javascript client") { _ in
            Response(contentType: "application/javascript; charset=utf-8", bytes: cache.documents.client)
        }
        let endpoints = self.endpoints
        ServedOpenAPIDocument.register(on: &router) { routes in RostiOpenAPI.document(routes: routes, endpoints: endpoints) }
    }

    /// Starts the default tenant's job scheduler beside the listeners, so jobs that fell
    /// due while the server was down finish at start-up, not at the first request. In the
    /// background: its first pass writes to the database, which cost 2–6 ms of every
    /// start before the first answer; a request that comes first moves due jobs on itself
    /// (`RostiCall.readInCompany`, `writeInCompany`), so none is ever seen behind the clock.
    public func middlewares(emulator: Emulator) -> [any Middleware] {
        let tenant = emulator.defaultTenant
        let logger = emulator.logger
        DispatchQueue.global(qos: .utility).async { _ = JobScheduler.of(tenant, logger: logger) }
        return [
            TrailingSlashHint(paths: endpoints.map(\.path) + [RostiPaths.schema]),
        ]
    }

    /// A token of an account: only such a request makes the tenant it names.
    public func isAuthenticated(_ request: Request) throws -> Bool {
        try TokenAuthentication.isAuthenticated(request)
    }

    func call(for request: Request) throws -> RostiCall {
        let settings = emulator.settings
        return RostiCall(
            request: request, tenant: try request.tenant(), language: request.language(default: settings.value.language),
            jobDurations: { settings.value.duration(of: $0) }, logger: emulator.logger, storages: storages)
    }

    /// Where storages are real databases: the Rosti plug-in's (rows only without one).
    private var storages: StorageHosting {
        emulator.plugins.lazy.compactMap { ($0 as? RostiPlugin)?.storages }.first ?? Self.rowsOnly
    }

    private static let rowsOnly = StorageHosting.rowsOnly()

    /// DRF authenticates and checks permissions before it looks at the method, so a wrong
    /// method from a stranger is 401 (or 403 for another account's company), not 405. The
    /// middleware of the `/api/v1/` group, so it runs before the router's method check: for
    /// a method the path does not answer, it checks access first (handlers check it
    /// themselves, in their own transaction).
    struct AccessBeforeMethod: Middleware {
        let service: RostiService

        func respond(to request: Request, next: any Responder) throws -> Response {
            if request.route?.answers(request.method) == false {
                try service.call(for: request).requireAccess()
            }
            return try next.respond(to: request)
        }
    }
}

/// The schema documents, rendered on first use rather than at start-up: rendering them was
/// measured at 3–7 ms of every start, and many runs never ask for the schema.
final class SchemaDocumentCache: Sendable {
    private let rendered = AdaptiveMutex<RostiService.SchemaDocuments?>(nil)
    private let render: @Sendable () -> RostiService.SchemaDocuments

    init(render: @escaping @Sendable () -> RostiService.SchemaDocuments) {
        self.render = render
    }

    var documents: RostiService.SchemaDocuments {
        rendered.withLock { rendered in
            if let rendered { return rendered }
            let made = render()
            rendered = made
            return made
        }
    }
}
