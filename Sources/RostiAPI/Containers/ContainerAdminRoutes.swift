import Emulator
import HTTP
import JSON
import RostiHosting

/// The admin API's hold on an app's SSH (docs/admin-api.md): see its endpoint and
/// container, and make its SSH late or refused for a while — a container slow to start —
/// so that clients' retry loops (rostictl's 14 tries of `echo 1`) can be tested.
extension RostiPlugin {
    func registerContainerAdminRoutes(on router: inout Router) {
        let containers = self.containers
        router.add(.get, "/__admin/apps/{id}/ssh", name: "A Rosti app's SSH endpoint and container") { request in
            let (tenant, app) = try Self.containerRequest(request, containers: containers)
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(Self.sshStatus(app: app, tenant: tenant), .compact))
        }
        router.add(.post, "/__admin/apps/{id}/ssh", name: "Make a Rosti app's SSH late or refused for N seconds (0 ends it)") { request in
            let (tenant, app) = try Self.containerRequest(request, containers: containers)
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["late_s", "refuse_s"])
            let maximum = containers?.host.configuration.limits.maximumFaultSeconds ?? 0
            let late = try body.number("late_s", in: 0...maximum)
            let refused = try body.number("refuse_s", in: 0...maximum)
            guard (late == nil) != (refused == nil) else {
                throw AdminError(field: "body", "give exactly one of late_s (connections wait) and refuse_s (connections are refused)")
            }
            guard let container = tenant.state.appSpace.container(app) else {
                throw AdminError(HTTPStatus(code: 409), field: nil, "app \(app) has no container yet")
            }
            if let late { container.makeLate(for: late) }
            if let refused { container.refuse(for: refused) }
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(Self.sshStatus(app: app, tenant: tenant), .compact))
        }
        router.add(.post, "/__admin/apps/{id}/crash", name: "Crash a program of a Rosti app (SIGKILL; supervisord restarts it as its autorestart says)") { request in
            let (tenant, app) = try Self.containerRequest(request, containers: containers)
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["program"])
            guard let program = try body.string("program", maximumLength: 200), !program.isEmpty else {
                throw AdminError(field: "program", "name the program to crash (as supervisorctl status shows it)")
            }
            guard let container = tenant.state.appSpace.container(app) else {
                throw AdminError(HTTPStatus(code: 409), field: nil, "app \(app) has no container yet")
            }
            do {
                try container.crash(program: program)
            } catch {
                throw AdminError(HTTPStatus(code: 409), field: "program", "\(error)")
            }
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(["app": .integer(app), "crashed": .string(program)], .compact))
        }
        router.add(.post, "/__admin/apps/{id}/front-door", name: "Make the front door answer 502, 503 or 504 for a Rosti app (0 ends it)") { request in
            let (tenant, app) = try Self.containerRequest(request, containers: containers)
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["status"])
            guard let door = containers?.frontDoor else {
                throw AdminError(HTTPStatus(code: 409), field: nil, "this Rostra has no front door (--no-front-door, or nginx missing)")
            }
            guard let status = try body.integer("status", in: 0...599), status == 0 || AppFrontDoor.faultStatuses.contains(status) else {
                throw AdminError(field: "status", "give status 502, 503 or 504 (0 ends the fault)")
            }
            door.setFault(tenant: tenant.name, app: app, status: status == 0 ? nil : status)
            return Response(contentType: "application/json", bytes: JSONWriter.bytes(
                ["app": .integer(app), "status": status == 0 ? .null : .integer(Int64(status))], .compact))
        }
    }

    /// The tenant and the app a call names; 409 when containers are off, 404 for an app the
    /// tenant does not have.
    private static func containerRequest(_ request: Request, containers: AppContainers?) throws -> (Tenant, Int64) {
        let tenant = try request.tenant()
        guard containers != nil else {
            throw AdminError(HTTPStatus(code: 409), field: nil, "app containers are off in this Rostra")
        }
        let text = request.parameters["id"] ?? ""
        guard let app = Int64(text),
            try tenant.state.database.read({ try $0.fetchValue(Int64.self, "SELECT 1 FROM rosti_apps WHERE id = ?", [app]) }) != nil
        else { throw AdminError(.notFound, field: nil, "no app \(text) in tenant \(tenant.name)") }
        // The default tenant's containers follow its rows in the background at start-up.
        if tenant.state.appSpace.container(app) == nil { try AppContainers.follow(app: app, in: tenant.state) }
        return (tenant, app)
    }

    private static func sshStatus(app: Int64, tenant: Tenant) -> JSONValue {
        let space = tenant.state.appSpace
        let status = space.container(app)?.status
        func seconds(_ value: Double?) -> JSONValue { value.map { JSONValue.number(($0 * 10).rounded(.up) / 10) } ?? .null }
        return [
            "app": .integer(app),
            "hostname": space.host.map { .string($0.configuration.sshHostName) } ?? .null,
            "port": status?.port.map { .integer($0) } ?? .null,
            "listening": .bool(status?.listening ?? false),
            "running": .bool(status?.running ?? false),
            "sessions": .integer(status?.sessions ?? 0),
            "late_s": seconds(status?.lateSeconds),
            "refused_s": seconds(status?.refusedSeconds),
            "problem": .optionalString(status?.problem),
            // The host loopback port of the app's nginx on 8000 (pasta's), while it runs.
            "front_port": space.container(app)?.frontPort.map { .integer($0) } ?? .null,
        ]
    }
}
