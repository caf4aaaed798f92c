import HTTP
import Primitives
import Synchronization

/// What the fault layer does to one request: wait, then act (or pass it on when `action`
/// is `nil`).
struct FaultDecision: Sendable {
    var delayMilliseconds = 0
    var action: FaultRule.Action?
    /// For the journal: which rule or header decided.
    var notes: [String] = []
}

/// A rule with its id and its own running state, as `GET /__admin/faults` lists it.
public struct InstalledFaultRule: Sendable {
    public let id: Int
    public let rule: FaultRule
    /// Times the rule has fired.
    public let fired: Int

    /// Firings left for a rule with `times`; `nil` for one without.
    public var remaining: Int? { rule.times.map { max(0, $0 - fired) } }
}

/// One tenant's fault rules, in the order they were added. For each request the first
/// rule that matches and fires decides; a probability rule that does not fire lets the
/// next rule try.
public final class FaultRuleSet: Sendable {
    private struct ActiveRule: Sendable {
        let id: Int
        let rule: FaultRule
        let path: PathPattern?
        var random: SeededRandom
        var fired = 0

        var isExhausted: Bool { rule.times.map { fired >= $0 } ?? false }

        func matches(api: EmulatedAPI, method: HTTPMethod, path requestPath: String) -> Bool {
            if let wanted = rule.api, wanted != api { return false }
            if let wanted = rule.method, wanted != method.rawValue { return false }
            if let path, !path.matches(requestPath) { return false }
            return true
        }
    }

    private struct Rules: Sendable {
        var active: [ActiveRule] = []
        var nextID = 1
    }

    /// Taken by every request of the tenant while it has rules (see `AdaptiveMutex`).
    private let rules = AdaptiveMutex(Rules())
    /// Read without the lock by every request: with no rules (the usual case) the fault
    /// layer costs one atomic load.
    private let ruleCount = Atomic<Int>(0)

    public init() {}

    /// Installs a rule at the end of the list and returns it with its id. Refused when the
    /// tenant already holds `ControlPlaneLimits.faultRulesPerTenant` rules.
    public func add(_ rule: FaultRule) throws -> InstalledFaultRule {
        let path = try rule.pathPattern.map { try PathPattern($0, field: "path") }
        return try rules.withLock { rules in
            guard rules.active.count < ControlPlaneLimits.faultRulesPerTenant else {
                throw AdminError(HTTPStatus(code: 409), field: nil, "this tenant already has \(ControlPlaneLimits.faultRulesPerTenant) fault rules; delete some first")
            }
            let active = ActiveRule(id: rules.nextID, rule: rule, path: path, random: SeededRandom(seed: rule.seed))
            rules.nextID += 1
            rules.active.append(active)
            ruleCount.store(rules.active.count, ordering: .releasing)
            return InstalledFaultRule(id: active.id, rule: rule, fired: 0)
        }
    }

    /// Whether a rule with `id` existed.
    public func remove(id: Int) -> Bool {
        rules.withLock { rules in
            guard let index = rules.active.firstIndex(where: { $0.id == id }) else { return false }
            rules.active.remove(at: index)
            ruleCount.store(rules.active.count, ordering: .releasing)
            return true
        }
    }

    /// Removes every rule; returns how many there were. Ids keep counting up, so an old id
    /// never names a new rule.
    @discardableResult
    public func removeAll() -> Int {
        rules.withLock { rules in
            let count = rules.active.count
            rules.active = []
            ruleCount.store(0, ordering: .releasing)
            return count
        }
    }

    public var installed: [InstalledFaultRule] {
        rules.withLock { $0.active.map { InstalledFaultRule(id: $0.id, rule: $0.rule, fired: $0.fired) } }
    }

    public func rule(id: Int) -> InstalledFaultRule? {
        installed.first { $0.id == id }
    }

    public var isEmpty: Bool { ruleCount.load(ordering: .acquiring) == 0 }

    /// The first rule that matches the request and fires, with its firing counted. Each
    /// matching rule that is not exhausted draws from its own generator — one number for
    /// its probability, one for a delay range — so its sequence depends only on its seed
    /// and on the requests it matched.
    func decide(api: EmulatedAPI, method: HTTPMethod, path: String) -> FaultDecision? {
        guard !isEmpty else { return nil }
        return rules.withLock { rules in
            for index in rules.active.indices {
                guard !rules.active[index].isExhausted,
                      rules.active[index].matches(api: api, method: method, path: path) else { continue }
                let rule = rules.active[index].rule
                if let probability = rule.probability, rules.active[index].random.unitInterval() >= probability {
                    continue
                }
                var decision = FaultDecision(action: rule.action)
                if let delay = rule.delay {
                    decision.delayMilliseconds = delay.lowerBound == delay.upperBound
                        ? delay.lowerBound : rules.active[index].random.integer(in: delay)
                }
                rules.active[index].fired += 1
                let what = (rule.delay == nil ? [] : ["delay \(decision.delayMilliseconds) ms"]) + (rule.action.map { [$0.summary] } ?? [])
                decision.notes.append("rule \(rules.active[index].id): " + what.joined(separator: ", "))
                return decision
            }
            return nil
        }
    }
}
