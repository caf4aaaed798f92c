import Emulator
import HTTP
import JSON
import RostiHosting

/// The database engines behind storages in the admin API: `GET /__admin/engines` (each
/// engine's state, for the dashboard), and the outage fault — `POST
/// /__admin/engines/{engine}/down` stops the server (its clients are cut off, logins are
/// refused) and `…/up` starts it again on the same port. The engines are shared by every
/// tenant, so these act on all of them; storage calls made while an engine is down succeed
/// and reach the engine at up.
enum EngineAdminRoutes {
    static func register(on router: inout Router, storages: StorageHosting) {
        router.add(.get, "/__admin/engines", name: "The database engines behind storages, each with its state") { _ in
            let engines = storages.engines?.all.map { json($0, storages: storages) } ?? []
            // Where their sockets are (and a throwaway state's data): gone when Rostra is.
            let runtime: JSONValue = storages.engines?.runtimeFolder.map { .string($0) } ?? .null
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(["engines": .array(engines), "runtime_folder": runtime], .compact))
        }
        router.add(.post, "/__admin/engines/{engine}/down", name: "Take a database engine down (an outage)") { request in
            let server = try Self.server(request, storages: storages)
            try Self.translatingErrors { try server.takeDown() }
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(json(server, storages: storages), .compact))
        }
        router.add(.post, "/__admin/engines/{engine}/up", name: "Bring a database engine up again (also retries a failed one)") { request in
            let server = try Self.server(request, storages: storages)
            try Self.translatingErrors { try server.bringUp() }
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(json(server, storages: storages), .compact))
        }
    }

    private static func server(_ request: Request, storages: StorageHosting) throws -> EngineServer {
        let name = request.parameters["engine"] ?? ""
        guard let engine = DatabaseEngine(rawValue: name) else {
            throw AdminError(.notFound, field: "engine", "no engine \(JSONString.quote(name)): mariadb or pgsql")
        }
        guard let engines = storages.engines else {
            throw AdminError(HTTPStatus(code: 409), field: "engine", "this Rostra runs no database engines (storages are rows only)")
        }
        return engines.server(engine)
    }

    private static func translatingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as EngineError {
            switch error {
            case .notInstalled: throw AdminError(HTTPStatus(code: 409), field: "engine", error.description)
            default: throw AdminError(HTTPStatus(code: 503), field: "engine", error.description)
            }
        }
    }

    /// `{"engine", "product", "state", "hostname", "port", "pid", "detail"}`, and what is
    /// missing with the install command, or why it failed.
    static func json(_ server: EngineServer, storages: StorageHosting) -> JSONValue {
        var object = JSONObject([
            ("engine", .string(server.engine.rawValue)), ("product", .string(server.engine.productName)),
            ("state", .string(server.state.name)),
        ])
        switch server.state {
        case .notInstalled(let missing):
            object["missing"] = .array(missing.map { .string($0) })
            object["install"] = .string(server.engine.installCommand)
        case .failed(let reason):
            object["problem"] = .string(reason)
        default:
            break
        }
        if server.isInstalled {
            object["hostname"] = .string(storages.hostname)
            object["port"] = server.port.map { .integer(Int64($0)) } ?? .null
            object["pid"] = server.pid.map { .integer(Int64($0)) } ?? .null
            object["detail"] = .string(server.detail ?? "")
            object["data_directory"] = server.dataDirectory.map { .string($0) } ?? .null
        }
        return .object(object)
    }
}
