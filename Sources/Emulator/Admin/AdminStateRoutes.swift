import EmulatorState
import Foundation
import HTTP
import Primitives

extension AdminRoutes {
    /// `POST /__admin/reset`, `GET /__admin/state`, `PUT /__admin/state`.
    static func registerState(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.post, "reset", on: &router, AdminOperation(
            summary: "Put the tenant back as new",
            description: "Data and files back to the seed, the clock back to real time, no fault rules, an empty journal, fresh rate-limit counters and jobs. Other tenants are untouched.",
            body: ["type": "object", "additionalProperties": false], bodyRequired: false,
            responses: [(200, "{\"tenant\": …, \"reset\": true, \"duration_ms\": …}")])
        ) { request in
            try FieldReader.body(of: request, optional: true).rejectUnknownKeys([])
            let tenant = try request.tenant()
            let started = MonotonicTime.now()
            try emulator.tenants.reset(tenant)
            let elapsed = MonotonicTime.now().since(started).milliseconds
            return AdminReply.json(["tenant": .string(tenant.name), "reset": true, "duration_ms": .number((elapsed * 1000).rounded() / 1000)])
        }

        documentation.add(.get, "state", on: &router, AdminOperation(
            summary: "Export the tenant's whole state",
            description: "Every table's rows, the AUTOINCREMENT counters and every stored file (base64), as one document that PUT /__admin/state takes back (format rostra-state, docs/state.md).",
            responses: [(200, "The state document")])
        ) { request in
            let data = try request.tenant().state.exportState()
            return Response(contentType: "application/json", bytes: Array(data))
        }

        documentation.add(.put, "state", on: &router, AdminOperation(
            summary: "Replace the tenant's state with an exported one",
            description: "The document is checked whole first (format, tables, columns, every constraint, files against their SHA-1); a bad one is refused with 400 naming the table, row and problem, and nothing changes. Clock, faults and journal are not part of the state and stay as they are.",
            body: ["type": "object", "required": ["format", "version", "tables"], "properties": ["format": ["const": "rostra-state"]]],
            responses: [(200, "{\"tenant\": …, \"imported\": true}")])
        ) { request in
            let tenant = try request.tenant()
            // A whole exported state, files included: the state layer's own bound on imports.
            let bytes = try request.body.collect(upTo: StateLimits.importDocumentMaximumBytes)
            try emulator.tenants.importState(bytes, into: tenant)
            return AdminReply.json(["tenant": .string(tenant.name), "imported": true])
        }
    }
}

/// Times in admin answers: ISO 8601 in UTC with milliseconds, beside the unix seconds.
enum AdminTime {
    /// UTC with milliseconds (`2024-01-15T09:00:00.500Z`), as every admin answer gives times.
    static func iso8601(_ seconds: Double) -> String {
        ISO8601Time.format(seconds, milliseconds: true)
    }
}
