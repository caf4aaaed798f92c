import Foundation
import HTTP
import JSON

/// A fault rule as users write it (`POST /__admin/faults`): which requests it matches,
/// what it does to them, and how often it fires. Rules live in their tenant's
/// `FaultRuleSet`.
public struct FaultRule: Sendable {
    /// What a firing rule does after its delay, if it has one.
    public enum Action: Sendable, Equatable {
        /// Answer this status with the API's own documented body; a redirect carries
        /// `Location` (the given one, or the request's own target).
        case status(Int, location: String?)
        /// Close the connection without an answer.
        case drop
        /// Send bytes that are not HTTP, then close.
        case garbage
    }

    public var api: EmulatedAPI?
    /// Upper-case; matched exactly.
    public var method: String?
    /// A regular expression (ICU syntax) searched for in the request's path, which is
    /// matched as received: percent-encoded, without the query. Unanchored: `^` anchors.
    public var pathPattern: String?
    /// `nil` for a rule that only delays.
    public var action: Action?
    /// Milliseconds, fixed (`lower == upper`) or a range.
    public var delay: ClosedRange<Int>?
    /// Fire at most this many times; `nil` for always.
    public var times: Int?
    /// Fire with this probability (0 < p ≤ 1); `nil` for every match.
    public var probability: Double?
    /// The seed of the rule's own generator (probability and delay ranges); chosen at
    /// random when the rule does not give one, and reported, so a run can be replayed.
    public var seed: UInt64

    public init(
        api: EmulatedAPI? = nil, method: String? = nil, pathPattern: String? = nil, action: Action?,
        delay: ClosedRange<Int>? = nil, times: Int? = nil, probability: Double? = nil,
        seed: UInt64 = UInt64.random(in: 0...ControlPlaneLimits.seedMaximum)
    ) {
        self.api = api
        self.method = method
        self.pathPattern = pathPattern
        self.action = action
        self.delay = delay
        self.times = times
        self.probability = probability
        self.seed = seed
    }
}

extension FaultRule.Action {
    var summary: String {
        switch self {
        case .status(let code, _): return "status \(code)"
        case .drop: return "drop"
        case .garbage: return "garbage"
        }
    }

    /// Statuses a fault may answer: redirects and errors. A 1xx cannot end an exchange and a
    /// 2xx would need a real body, which only the API itself can give.
    static let statusRange = 300...599

    /// What `garbage` sends: not a status line, a NUL and bytes that are not UTF-8, so any
    /// HTTP client's parser refuses it.
    static let garbageBytes: [UInt8] = Array("ROSTRA GARBAGE ~~~ this is not HTTP ~~~\r\n".utf8) + [0x00, 0xFF, 0xFE, 0x80, 0x0D, 0x0A]
}

/// A regular expression compiled once, for fault rules and journal filters.
struct PathPattern: Sendable {
    let source: String
    private let expression: NSRegularExpression

    /// Refuses a pattern that does not compile, naming `field`.
    init(_ source: String, field: String) throws {
        guard source.count <= ControlPlaneLimits.pathPatternMaximumCharacters else {
            throw AdminError(field: field, "longer than \(ControlPlaneLimits.pathPatternMaximumCharacters) characters")
        }
        do {
            expression = try NSRegularExpression(pattern: source)
        } catch {
            throw AdminError(field: field, "\(JSONString.quote(source)) is not a valid regular expression")
        }
        self.source = source
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
