import HTTP
import JSON

extension AdminRoutes {
    /// `GET/POST/DELETE /__admin/faults`, `GET/DELETE /__admin/faults/{id}`.
    static func registerFaults(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "faults", on: &router, AdminOperation(
            summary: "The tenant's fault rules, in the order they are tried",
            responses: [(200, "{\"tenant\": …, \"faults\": [rule, …]}")])
        ) { request in
            let tenant = try request.tenant()
            return AdminReply.json(["tenant": .string(tenant.name), "faults": .array(tenant.faults.installed.map { $0.json(tenant: tenant.name) })])
        }

        documentation.add(.post, "faults", on: &router, AdminOperation(
            summary: "Add a fault rule",
            description: "Matches requests by api, method and path (a regular expression searched in the percent-encoded path), then delays (delay_ms, or delay_ms…delay_ms_max), answers a status with the API's documented body (a redirect with location, default the request's own target), drops the connection or answers garbage. Fires always, `times` times, or with `probability` under `seed` (replayable). The rule goes to `tenant` if given, else to the tenant of the call. Answers the rule with its id.",
            body: faultRuleSchema,
            example: ["api": "rosa", "method": "POST", "path": "^/api/v1/upload", "status": 503, "times": 1],
            responses: [(201, "The rule with its id, seed and fired count"), (409, "The tenant holds the most rules it may, or max_tenants is reached")])
        ) { request in
            let body = try FieldReader.body(of: request)
            let rule = try FaultRule(json: body)
            var tenant = try request.tenant()
            if let named = try body.string("tenant", maximumLength: ControlPlaneLimits.tenantNameMaximumCharacters + 1) {
                if let problem = TenantName.problem(with: named) { throw AdminError(field: "tenant", problem) }
                if request.headers[TenantName.header] != nil, named != tenant.name {
                    throw AdminError(field: "tenant", "names \(named) but \(TenantName.header) names \(tenant.name)")
                }
                tenant = try emulator.tenants.tenant(named: named, maximumCount: emulator.settings.value.maxTenants)
            }
            let installed = try tenant.faults.add(rule)
            return AdminReply.json(installed.json(tenant: tenant.name), status: .created)
        }

        documentation.add(.delete, "faults", on: &router, AdminOperation(
            summary: "Delete every fault rule of the tenant",
            responses: [(200, "{\"tenant\": …, \"deleted\": <count>}")])
        ) { request in
            let tenant = try request.tenant()
            return AdminReply.json(["tenant": .string(tenant.name), "deleted": .integer(tenant.faults.removeAll())])
        }

        documentation.add(.get, "faults/{id}", on: &router, AdminOperation(
            summary: "One fault rule", responses: [(200, "The rule"), (404, "No such rule in this tenant")])
        ) { request in
            let tenant = try request.tenant()
            let id = try ruleID(request, tenant: tenant)
            guard let rule = tenant.faults.rule(id: id) else { throw unknownRule(request, tenant: tenant) }
            return AdminReply.json(rule.json(tenant: tenant.name))
        }

        documentation.add(.delete, "faults/{id}", on: &router, AdminOperation(
            summary: "Delete one fault rule", responses: [(200, "{\"tenant\": …, \"deleted\": <id>}"), (404, "No such rule in this tenant")])
        ) { request in
            let tenant = try request.tenant()
            let id = try ruleID(request, tenant: tenant)
            guard tenant.faults.remove(id: id) else { throw unknownRule(request, tenant: tenant) }
            return AdminReply.json(["tenant": .string(tenant.name), "deleted": .integer(id)])
        }
    }

    /// An id that is not a number names no rule either: 404, like an unknown number.
    private static func ruleID(_ request: Request, tenant: Tenant) throws -> Int {
        guard let id = request.parameters["id"].flatMap(Int.init) else { throw unknownRule(request, tenant: tenant) }
        return id
    }

    private static func unknownRule(_ request: Request, tenant: Tenant) -> AdminError {
        AdminError(.notFound, field: "id", "no fault rule \(JSONString.quote(request.parameters["id"] ?? "")) in tenant \(tenant.name)")
    }

    static let faultRuleSchema: JSONValue = [
        "type": "object", "additionalProperties": false,
        "properties": [
            "api": ["enum": ["rosti", "rosa"]],
            "method": ["type": "string", "description": "HTTP method, matched exactly"],
            "path": ["type": "string", "description": "Regular expression (ICU) searched in the path; ^ anchors"],
            "tenant": ["type": "string", "description": "The tenant the rule belongs to; default: the tenant of the call"],
            "status": ["type": "integer", "minimum": 300, "maximum": 599],
            "location": ["type": "string", "description": "Location of a redirect; default: the request's own target"],
            "delay_ms": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.delayMaximumMilliseconds)],
            "delay_ms_max": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.delayMaximumMilliseconds)],
            "drop": ["type": "boolean"],
            "garbage": ["type": "boolean"],
            "times": ["type": "integer", "minimum": 1],
            "probability": ["type": "number", "exclusiveMinimum": 0, "maximum": 1],
            "seed": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.seedMaximum)],
        ],
    ]
}
