/// When a crontab entry runs, as Vixie cron reads its five fields: lists of numbers, ranges
/// and `*`, each with an optional `/step`; month and weekday names; weekday 7 is Sunday.
public struct CronSchedule: Sendable, Equatable {
    /// Bit `n` set: value `n` matches.
    let minutes: UInt64
    let hours: UInt64
    let days: UInt64
    let months: UInt64
    let weekdays: UInt64
    /// Which fields begin with `*`. An entry whose minute or hour does is a "wildcard" job,
    /// which cron treats apart when the clock jumps (`CronCatchUp`); when the day of month
    /// or the day of week does, a day must match both, otherwise either.
    let minuteStar: Bool
    let hourStar: Bool
    let dayStar: Bool
    let weekdayStar: Bool

    /// Whether cron counts the entry among the wildcard jobs (minute or hour starts with `*`).
    public var isWildcard: Bool { minuteStar || hourStar }

    /// The five fields; nil when cron would refuse one.
    init?(fields: [Substring]) {
        guard fields.count == 5,
              let minutes = Self.field(fields[0], 0...59, names: []),
              let hours = Self.field(fields[1], 0...23, names: []),
              let days = Self.field(fields[2], 1...31, names: []),
              let months = Self.field(fields[3], 1...12, names: Self.monthNames),
              let weekdays = Self.field(fields[4], 0...7, names: Self.weekdayNames)
        else { return nil }
        self.minutes = minutes
        self.hours = hours
        self.days = days
        self.months = months
        // Sunday is 0 and 7.
        self.weekdays = (weekdays & ~(1 << 7)) | (weekdays >> 7 & 1)
        minuteStar = fields[0].first == "*"
        hourStar = fields[1].first == "*"
        dayStar = fields[2].first == "*"
        weekdayStar = fields[4].first == "*"
    }

    /// `@yearly` … `@hourly` as cron spells them out (`@reboot` is not a schedule).
    init?(keyword: String) {
        let fields: String
        switch keyword {
        case "yearly", "annually": fields = "0 0 1 1 *"
        case "monthly": fields = "0 0 1 * *"
        case "weekly": fields = "0 0 * * 0"
        case "daily", "midnight": fields = "0 0 * * *"
        case "hourly": fields = "0 * * * *"
        default: return nil
        }
        self.init(fields: fields.split(separator: " "))
    }

    /// Whether the entry runs in the minute with these local calendar values (weekday 0 is
    /// Sunday).
    public func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        guard Self.has(minutes, minute), Self.has(hours, hour), Self.has(months, month) else { return false }
        let dayMatches = Self.has(days, day)
        let weekdayMatches = Self.has(weekdays, weekday)
        return dayStar || weekdayStar ? dayMatches && weekdayMatches : dayMatches || weekdayMatches
    }

    private static func has(_ bits: UInt64, _ value: Int) -> Bool { (0...63).contains(value) && bits & (1 << UInt64(value)) != 0 }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// One field: a comma-separated list of `*`, `n` or `a-b`, the last two with `/step`
    /// allowed on ranges and `*` only (as cron allows). Names count from the range's start
    /// (`jan` is 1, `sun` is 0).
    private static func field(_ text: Substring, _ range: ClosedRange<Int>, names: [String]) -> UInt64? {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            var step = 1
            if parts.count == 2 {
                guard let value = Int(parts[1]), value >= 1 else { return nil }
                step = value
            }
            let span: ClosedRange<Int>
            if parts[0] == "*" {
                span = range
            } else if let dash = parts[0].firstIndex(of: "-") {
                guard let low = number(parts[0][..<dash], range, names), let high = number(parts[0][parts[0].index(after: dash)...], range, names),
                      low <= high else { return nil }
                span = low...high
            } else {
                guard parts.count == 1, let value = number(parts[0], range, names) else { return nil }
                span = value...value
            }
            for value in stride(from: span.lowerBound, through: span.upperBound, by: step) { bits |= 1 << UInt64(value) }
        }
        return bits
    }

    private static func number(_ text: Substring, _ range: ClosedRange<Int>, _ names: [String]) -> Int? {
        if !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            guard let value = Int(text) else { return nil }
            return range.contains(value) ? value : nil
        }
        guard let index = names.firstIndex(of: text.lowercased()) else { return nil }
        let value = index + (names.count == 12 ? 1 : 0)
        return range.contains(value) ? value : nil
    }
}
