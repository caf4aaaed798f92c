import Foundation
import HTTP
import JSON

/// The per-request fault headers: `X-Rostra-Fault: <status|drop|garbage>` and
/// `X-Rostra-Delay: <milliseconds>` do for one request what a rule does for many.
public enum FaultHeaders {
    public static let fault = "X-Rostra-Fault"
    public static let delay = "X-Rostra-Delay"

    /// The decision the headers ask for, or `nil` without them; a value that means nothing
    /// is refused with 400 rather than ignored, so a typo cannot pass for a passing test.
    static func decision(for request: Request) throws -> FaultDecision? {
        let faultValue = request.headers[fault]
        let delayValue = request.headers[delay]
        guard faultValue != nil || delayValue != nil else { return nil }
        var decision = FaultDecision()
        if let delayValue {
            let text = delayValue.trimmingHTTPWhitespace()
            guard let milliseconds = Int(text), (0...ControlPlaneLimits.delayMaximumMilliseconds).contains(milliseconds) else {
                throw HTTPError(.badRequest, message: "\(delay): expected milliseconds 0–\(ControlPlaneLimits.delayMaximumMilliseconds), got \(JSONString.quote(String(text)))")
            }
            decision.delayMilliseconds = milliseconds
            decision.notes.append("header \(delay): \(milliseconds) ms")
        }
        if let faultValue {
            let text = faultValue.trimmingHTTPWhitespace().lowercased()
            switch text {
            case "drop": decision.action = .drop
            case "garbage": decision.action = .garbage
            default:
                guard let status = Int(text), FaultRule.Action.statusRange.contains(status) else {
                    throw HTTPError(.badRequest, message: "\(fault): expected a status \(FaultRule.Action.statusRange.lowerBound)–\(FaultRule.Action.statusRange.upperBound), drop or garbage, got \(JSONString.quote(text))")
                }
                decision.action = .status(status, location: nil)
            }
            decision.notes.append("header \(fault): \(text)")
        }
        return decision
    }
}

/// Added latency and fault injection, in front of maintenance, rate limits and auth (as the
/// real services' front end fails before the application is reached):
///
/// 1. the `latency_ms` setting, for every API request;
/// 2. `X-Rostra-Delay`, then `X-Rostra-Fault` when the request carries them;
/// 3. otherwise the tenant's rules: the first that matches and fires.
///
/// A status is thrown as `HTTPError`, so the API's `ErrorRenderer` answers it with the
/// documented body for that status. Used by `ControlPlaneMiddleware`.
struct FaultInjector: Sendable {
    let api: EmulatedAPI
    let settings: SettingsStore

    /// Answers the request — by a fault, or by `next` after any delay; `fault` tells the
    /// journal which rule or header acted.
    func respond(to request: Request, tenant: Tenant, next: any Responder, fault: inout String?) throws -> Response {
        let latency = settings.latencyMilliseconds
        if latency > 0 { try Self.pause(milliseconds: latency, serving: request) }
        var decision = try FaultHeaders.decision(for: request)
        if decision?.action == nil, let ruled = tenant.faults.decide(api: api, method: request.method, path: request.path) {
            decision = FaultDecision(
                delayMilliseconds: (decision?.delayMilliseconds ?? 0) + ruled.delayMilliseconds,
                action: ruled.action, notes: (decision?.notes ?? []) + ruled.notes)
        }
        guard let decision else { return try next.respond(to: request) }

        fault = decision.notes.joined(separator: "; ")
        request.logger.debug("fault: \(fault ?? "")")
        if decision.delayMilliseconds > 0 { try Self.pause(milliseconds: decision.delayMilliseconds, serving: request) }
        switch decision.action {
        case nil:
            return try next.respond(to: request)
        case .drop:
            return .dropConnection()
        case .garbage:
            return .rawBytesThenClose(FaultRule.Action.garbageBytes)
        case .status(let code, let location):
            var headers = HTTPHeaders()
            if (300...399).contains(code) { headers.add(name: "Location", value: location ?? request.target) }
            throw HTTPError(HTTPStatus(code: code), headers: headers)
        }
    }

    /// Handlers are synchronous, so a delay simply waits, in the engine's `pause`: the
    /// worker pool serves other connections meanwhile, a client that goes away ends the
    /// wait (499, nothing sent), and delays beyond the server's bound are answered 503.
    static func pause(milliseconds: Int, serving request: Request) throws {
        try request.pause(for: .milliseconds(milliseconds))
    }
}
