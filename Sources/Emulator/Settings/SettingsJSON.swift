import JSON

/// `GET /__admin/settings` and `PUT /__admin/settings`: the settings as JSON, and a change
/// that names any subset of them. A change is checked whole before anything is applied; an
/// unknown key, a wrong type or a value out of range is refused naming the field.
extension EmulatorSettings {
    /// Every setting under its documented key.
    public var json: JSONValue {
        var durations = JSONObject()
        for kind in JobKind.allCases {
            let duration = duration(of: kind)
            durations[kind.rawValue] = ["pending_s": .number(duration.pendingSeconds), "running_s": .number(duration.runningSeconds)]
        }
        return [
            "rate_limit": .integer(rateLimit),
            "rate_window_s": .integer(rateWindowSeconds),
            "rate_limited_apis": .array(EmulatedAPI.allCases.filter(rateLimitedAPIs.contains).map { .string($0.rawValue) }),
            "job_durations": .object(durations),
            "language": .string(language),
            "latency_ms": .integer(latencyMilliseconds),
            "journal_size": .integer(journalSize),
            "max_tenants": .integer(maxTenants),
        ]
    }

    static let keys: Set<String> = [
        "rate_limit", "rate_window_s", "rate_limited_apis", "job_durations", "language", "latency_ms", "journal_size",
        "max_tenants",
    ]

    /// These settings with the change in `body` applied; throws `AdminError` naming the first
    /// bad field, and then nothing is applied. Job durations may be changed per kind and per
    /// phase (`{"job_durations": {"snapshot": {"running_s": 10}}}`).
    func applying(_ body: FieldReader) throws -> EmulatorSettings {
        try body.rejectUnknownKeys(Self.keys)
        var changed = self
        if let value = try body.integer("rate_limit", in: 0...ControlPlaneLimits.rateLimitMaximum) {
            changed.rateLimit = value
        }
        if let value = try body.integer("rate_window_s", in: 1...ControlPlaneLimits.rateWindowMaximumSeconds) {
            changed.rateWindowSeconds = value
        }
        if let names = try body.array("rate_limited_apis") {
            changed.rateLimitedAPIs = try Set(names.enumerated().map { index, name in
                guard let text = name.stringValue, let api = EmulatedAPI(rawValue: text) else {
                    throw AdminError(field: "rate_limited_apis[\(index)]", "expected one of \(EmulatedAPI.allCases.map(\.rawValue).joined(separator: ", ")), got \(JSONWriter.text(name, .compact))")
                }
                return api
            })
        }
        if let durations = try body.object("job_durations") {
            try durations.rejectUnknownKeys(Set(JobKind.allCases.map(\.rawValue)))
            for kind in JobKind.allCases {
                guard let phases = try durations.object(kind.rawValue) else { continue }
                try phases.rejectUnknownKeys(["pending_s", "running_s"])
                var duration = changed.duration(of: kind)
                let range = 0...ControlPlaneLimits.jobPhaseMaximumSeconds
                if let seconds = try phases.number("pending_s", in: range) { duration.pendingSeconds = seconds }
                if let seconds = try phases.number("running_s", in: range) { duration.runningSeconds = seconds }
                changed.jobDurations[kind] = duration
            }
        }
        if let language = try body.string("language") {
            guard Self.languages.contains(language) else {
                throw AdminError(field: "language", "\(language.debugDescription) is not one of \(Self.languages.joined(separator: ", "))")
            }
            changed.language = language
        }
        if let value = try body.integer("latency_ms", in: 0...ControlPlaneLimits.delayMaximumMilliseconds) {
            changed.latencyMilliseconds = value
        }
        if let value = try body.integer("journal_size", in: 0...ControlPlaneLimits.journalEntriesMaximum) {
            changed.journalSize = value
        }
        if let value = try body.integer("max_tenants", in: 0...ControlPlaneLimits.tenantsMaximum) {
            changed.maxTenants = value
        }
        return changed
    }
}
