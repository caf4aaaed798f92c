import HTTP

extension AdminRoutes {
    /// `GET /__admin/tenants`, `DELETE /__admin/tenants/{name}`.
    static func registerTenants(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "tenants", on: &router, AdminOperation(
            summary: "Every tenant, the default one first",
            responses: [(200, "{\"tenants\": [{\"name\", \"clock\", \"fault_rules\", \"journaled\"}, …], \"count\": …, \"max_tenants\": …}")])
        ) { _ in
            let tenants = emulator.tenants.all
            return AdminReply.json([
                "tenants": .array(tenants.map { tenant in
                    ["name": .string(tenant.name), "clock": clockJSON(tenant), "fault_rules": .integer(tenant.faults.installed.count),
                     "journaled": .integer(tenant.journal.count)]
                }),
                "count": .integer(emulator.tenants.createdCount),
                "max_tenants": .integer(emulator.settings.value.maxTenants),
            ])
        }

        documentation.add(.delete, "tenants/{name}", on: &router, AdminOperation(
            summary: "Delete a tenant with everything it holds",
            description: "Its data, files, clock, fault rules, journal and counters go; a later request naming it gets a new tenant made from the seed. The default tenant cannot be deleted (reset it).",
            responses: [(200, "{\"deleted\": <name>}"), (400, "The default tenant"), (404, "No such tenant")])
        ) { request in
            let name = request.parameters["name"] ?? ""
            try emulator.tenants.delete(named: name)
            return AdminReply.json(["deleted": .string(name)])
        }
    }
}
