import HTTP
import JSON

/// Fault rules as JSON (`POST /__admin/faults`, `GET /__admin/faults`):
///
///     {"api": "rosa", "method": "POST", "path": "^/api/v1/upload", "tenant": "t1",
///      "status": 503, "times": 1}
///
/// Every field but the action is optional; the action is one of `status` (with `location`
/// for a redirect), `drop` or `garbage`, and `delay_ms` (with `delay_ms_max` for a range)
/// may stand alone or come with any of them.
extension FaultRule {
    static let fields: Set<String> = [
        "api", "method", "path", "tenant", "status", "location", "delay_ms", "delay_ms_max", "drop", "garbage", "times",
        "probability", "seed",
    ]

    /// Parses and checks a rule; `tenant` is left to the caller, which decides where the
    /// rule goes.
    init(json body: FieldReader) throws {
        try body.rejectUnknownKeys(Self.fields)
        let api = try body.choice("api", of: EmulatedAPI.self)
        var method: String?
        if let text = try body.string("method", maximumLength: 32) {
            guard !text.isEmpty, text.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !"()<>@,;:\\\"/[]?={}".utf8.contains($0) }) else {
                throw AdminError(field: "method", "\(JSONString.quote(text)) is not an HTTP method")
            }
            method = text.uppercased()
        }
        let path = try body.string("path", maximumLength: ControlPlaneLimits.pathPatternMaximumCharacters)
        if let path { _ = try PathPattern(path, field: "path") }

        let range = FaultRule.Action.statusRange
        let status = try body.integer("status", in: range)
        let location = try body.string("location", maximumLength: 2048)
        if location != nil, !(300...399).contains(status ?? 0) {
            throw AdminError(field: "location", "only for a redirect status (300–399)")
        }
        var actions: [(field: String, action: Action)] = []
        if let status { actions.append(("status", .status(status, location: location))) }
        if try body.bool("drop") == true { actions.append(("drop", .drop)) }
        if try body.bool("garbage") == true { actions.append(("garbage", .garbage)) }
        guard actions.count <= 1 else {
            throw AdminError(field: actions[1].field, "a rule has one action, and this one has \(actions[0].field) already")
        }

        let maximum = ControlPlaneLimits.delayMaximumMilliseconds
        let delayLow = try body.integer("delay_ms", in: 0...maximum)
        let delayHigh = try body.integer("delay_ms_max", in: 0...maximum)
        var delay: ClosedRange<Int>?
        switch (delayLow, delayHigh) {
        case (nil, nil): delay = nil
        case (let low?, nil): delay = low...low
        case (nil, _): throw AdminError(field: "delay_ms_max", "needs delay_ms, the shortest delay of the range")
        case (let low?, let high?):
            guard high >= low else { throw AdminError(field: "delay_ms_max", "\(high) is less than delay_ms (\(low))") }
            delay = low...high
        }
        guard !actions.isEmpty || delay != nil else {
            throw AdminError(field: "status", "a rule needs something to do: status, delay_ms, drop or garbage")
        }

        let times = try body.integer("times", in: 1...1_000_000_000)
        let probability = try body.number("probability", in: 0...1)
        if probability == 0 { throw AdminError(field: "probability", "0 would never fire; give a number above 0, at most 1") }
        let seed = try body.integer("seed", in: 0...Int(ControlPlaneLimits.seedMaximum)).map(UInt64.init)

        self.init(api: api, method: method, pathPattern: path, action: actions.first?.action, delay: delay, times: times, probability: probability)
        if let seed { self.seed = seed }
    }
}

extension InstalledFaultRule {
    /// The rule as it was given, with its id, its tenant, the seed it runs with and how
    /// often it fired.
    func json(tenant: String) -> JSONValue {
        var object: JSONObject = ["id": .integer(id), "tenant": .string(tenant)]
        if let api = rule.api { object["api"] = .string(api.rawValue) }
        if let method = rule.method { object["method"] = .string(method) }
        if let path = rule.pathPattern { object["path"] = .string(path) }
        switch rule.action {
        case .status(let status, let location)?:
            object["status"] = .integer(status)
            if let location { object["location"] = .string(location) }
        case .drop?: object["drop"] = true
        case .garbage?: object["garbage"] = true
        case nil: break
        }
        if let delay = rule.delay {
            object["delay_ms"] = .integer(delay.lowerBound)
            if delay.upperBound != delay.lowerBound { object["delay_ms_max"] = .integer(delay.upperBound) }
        }
        if let times = rule.times { object["times"] = .integer(times) }
        if let probability = rule.probability { object["probability"] = .number(probability) }
        object["seed"] = .integer(rule.seed)
        object["fired"] = .integer(fired)
        if let remaining { object["remaining"] = .integer(remaining) }
        return .object(object)
    }
}
