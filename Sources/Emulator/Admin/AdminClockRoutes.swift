import HTTP
import JSON

extension AdminRoutes {
    /// `GET/PUT /__admin/clock`, `POST /__admin/clock/advance`: the tenant's clock.
    static func registerClock(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        let reading: JSONValue = [
            "type": "object",
            "properties": [
                "tenant": ["type": "string"], "mode": ["enum": ["real", "frozen", "offset"]],
                "now": ["type": "string", "format": "date-time"], "now_unix": ["type": "number"],
                "offset_s": ["type": "number", "description": "Seconds between the clock and real time"],
            ],
        ]
        documentation.add(.get, "clock", on: &router, AdminOperation(
            summary: "The tenant's clock", description: "The clock that drives jobs, rate-limit windows, timestamps and the journal.",
            responses: [(200, "The clock's reading: \(JSONWriter.text(reading, .compact))")])
        ) { request in
            AdminReply.json(clockJSON(try request.tenant()))
        }

        documentation.add(.put, "clock", on: &router, AdminOperation(
            summary: "Set the tenant's clock: real, frozen at a moment, or running from a moment",
            description: "`now` (ISO 8601) is the moment a frozen or offset clock shows from now on; default: what it shows now. A real clock takes no `now`.",
            body: ["type": "object", "required": ["mode"], "additionalProperties": false,
                   "properties": ["mode": ["enum": ["real", "frozen", "offset"]], "now": ["type": "string", "format": "date-time"]]],
            example: ["mode": "frozen", "now": "2026-01-01T12:00:00Z"],
            responses: [(200, "The clock's new reading")])
        ) { request in
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["mode", "now"])
            guard let mode = try body.choice("mode", of: EmulatorClock.Mode.self) else {
                throw AdminError(field: "mode", "required: real, frozen or offset")
            }
            var moment: Double?
            if let text = try body.string("now", maximumLength: 64) {
                guard let parsed = EmulatorClock.parseISO8601(text) else {
                    throw AdminError(field: "now", "\(JSONString.quote(text)) is not an ISO 8601 time such as 2026-01-01T12:00:00Z")
                }
                guard mode != .real else { throw AdminError(field: "now", "a real clock shows real time; leave now out") }
                moment = parsed
            }
            let tenant = try request.tenant()
            tenant.clock.set(mode: mode, now: moment)
            return AdminReply.json(clockJSON(tenant))
        }

        documentation.add(.post, "clock/advance", on: &router, AdminOperation(
            summary: "Move the tenant's clock forward",
            description: "A real clock becomes an offset clock that keeps running; a frozen one stays frozen, later. Never backwards.",
            body: ["type": "object", "required": ["seconds"], "additionalProperties": false,
                   "properties": ["seconds": ["type": "number", "minimum": 0, "maximum": .number(ControlPlaneLimits.clockAdvanceMaximumSeconds)]]],
            example: ["seconds": 3600],
            responses: [(200, "The clock's new reading")])
        ) { request in
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["seconds"])
            if let negative = body.object["seconds"]?.numberValue, negative < 0 {
                throw AdminError(field: "seconds", "the clock only moves forward; \(JSONWriter.doubleText(negative)) is negative")
            }
            guard let seconds = try body.number("seconds", in: 0...ControlPlaneLimits.clockAdvanceMaximumSeconds) else {
                throw AdminError(field: "seconds", "required: how far to move the clock forward")
            }
            let tenant = try request.tenant()
            tenant.clock.advance(by: seconds)
            return AdminReply.json(clockJSON(tenant))
        }
    }

    static func clockJSON(_ tenant: Tenant) -> JSONValue {
        let reading = tenant.clock.reading
        return [
            "tenant": .string(tenant.name), "mode": .string(reading.mode.rawValue), "now": .string(AdminTime.iso8601(reading.now)),
            "now_unix": .number(reading.now), "offset_s": .number(reading.offset),
        ]
    }

    /// `GET/PUT /__admin/maintenance`: the emulator-wide maintenance switches.
    static func registerMaintenance(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        let switches: JSONValue = ["type": "object", "properties": ["rosti": ["type": "boolean"], "rosa": ["type": "boolean"]]]
        documentation.add(.get, "maintenance", on: &router, AdminOperation(
            summary: "Which APIs are in maintenance", responses: [(200, "{\"rosti\": false, \"rosa\": true}: \(JSONWriter.text(switches, .compact))")])
        ) { _ in
            AdminReply.json(maintenanceJSON(emulator))
        }

        documentation.add(.put, "maintenance", on: &router, AdminOperation(
            summary: "Switch an API, or both, into or out of maintenance",
            description: "In maintenance an API answers every request 503 with its documented maintenance body. The switch holds for every tenant, like the real service's; for one tenant only, add a fault rule with status 503.",
            body: ["type": "object", "required": ["enabled"], "additionalProperties": false,
                   "properties": ["api": ["enum": ["rosti", "rosa", "both"], "default": "both"], "enabled": ["type": "boolean"]]],
            example: ["api": "rosa", "enabled": true],
            responses: [(200, "The switches now")])
        ) { request in
            let body = try FieldReader.body(of: request)
            try body.rejectUnknownKeys(["api", "enabled"])
            guard let enabled = try body.bool("enabled") else { throw AdminError(field: "enabled", "required: true or false") }
            var apis = EmulatedAPI.allCases
            if let name = try body.string("api", maximumLength: 16), name != "both" {
                guard let api = EmulatedAPI(rawValue: name) else {
                    throw AdminError(field: "api", "\(JSONString.quote(name)) is not one of rosti, rosa, both")
                }
                apis = [api]
            }
            for api in apis { emulator.maintenance.set(api, on: enabled) }
            return AdminReply.json(maintenanceJSON(emulator))
        }
    }

    private static func maintenanceJSON(_ emulator: Emulator) -> JSONValue {
        let on = emulator.maintenance.apisInMaintenance
        return .object(JSONObject(EmulatedAPI.allCases.map { (key: $0.rawValue, value: .bool(on.contains($0))) }))
    }

    /// `GET/PUT /__admin/settings`: emulator-wide settings.
    static func registerSettings(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "settings", on: &router, AdminOperation(
            summary: "The settings (shared by every tenant)", responses: [(200, "Every setting")])
        ) { _ in
            AdminReply.json(emulator.settings.value.json)
        }

        documentation.add(.put, "settings", on: &router, AdminOperation(
            summary: "Change any subset of the settings",
            description: "An unknown key, a wrong type or a value out of range is refused with 400 naming it, and then nothing is applied. Changes hold from the next request on.",
            body: settingsSchema, example: ["rate_limit": 5, "rate_window_s": 3600, "job_durations": ["snapshot": ["running_s": 10]]],
            responses: [(200, "Every setting, as changed")])
        ) { request in
            let body = try FieldReader.body(of: request)
            let changed = try emulator.settings.update { settings in
                settings = try settings.applying(body)
                return settings
            }
            // A smaller journal shows at once, not only after each tenant's next request.
            for tenant in emulator.tenants.all { tenant.journal.resize(to: changed.journalSize) }
            return AdminReply.json(changed.json)
        }
    }

    static let settingsSchema: JSONValue = {
        let phases: JSONValue = ["type": "object", "additionalProperties": false,
                                 "properties": ["pending_s": ["type": "number", "minimum": 0], "running_s": ["type": "number", "minimum": 0]]]
        return [
            "type": "object", "additionalProperties": false,
            "properties": [
                "rate_limit": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.rateLimitMaximum)],
                "rate_window_s": ["type": "integer", "minimum": 1, "maximum": .integer(ControlPlaneLimits.rateWindowMaximumSeconds)],
                "rate_limited_apis": ["type": "array", "items": ["enum": ["rosti", "rosa"]]],
                "job_durations": ["type": "object", "additionalProperties": false,
                                  "properties": .object(JSONObject(JobKind.allCases.map { (key: $0.rawValue, value: phases) }))],
                "language": ["enum": .array(EmulatorSettings.languages.map(JSONValue.string))],
                "latency_ms": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.delayMaximumMilliseconds)],
                "journal_size": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.journalEntriesMaximum)],
                "max_tenants": ["type": "integer", "minimum": 0, "maximum": .integer(ControlPlaneLimits.tenantsMaximum)],
            ],
        ]
    }()
}
