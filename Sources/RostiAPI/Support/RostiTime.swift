import EmulatorState
import JSON

/// Dates as the Rosti API writes them: ISO 8601 in Prague time, whole seconds
/// (`2021-01-13T00:32:16+01:00`, `2021-07-01T12:00:00+02:00` in summer), as the live
/// service (Django with `TIME_ZONE = "Europe/Prague"`) does.
///
/// The offset follows the EU rule (summer time from 01:00 UTC on the last Sunday of March
/// to 01:00 UTC on the last Sunday of October) computed here, rather than read from the
/// machine's time-zone database, so answers are the same on every machine — a slim
/// container may have no tzdata at all — and no formatter object is built per date.
enum RostiTime {
    static func iso8601(_ unixSeconds: Double) -> String {
        let utc = Int64((unixSeconds).rounded(.down))
        return ISO8601Time.format(Double(utc), offsetSeconds: isSummerTime(utc) ? 7200 : 3600)
    }

    static func iso8601(_ unixSeconds: Double?) -> JSONValue {
        unixSeconds.map { .string(iso8601($0)) } ?? .null
    }

    /// Central European Summer Time is in force at this UTC second.
    static func isSummerTime(_ utc: Int64) -> Bool {
        let days = utc >= 0 ? utc / 86_400 : (utc - 86_399) / 86_400
        let (year, _, _) = ISO8601Time.civilDate(daysSinceEpoch: days)
        let start = lastSunday(ofMonth: 3, year: year) * 86_400 + 3600
        let end = lastSunday(ofMonth: 10, year: year) * 86_400 + 3600
        return utc >= start && utc < end
    }

    /// Days since 1970-01-01 of the last Sunday of a month.
    private static func lastSunday(ofMonth month: Int64, year: Int64) -> Int64 {
        let firstOfNext = month == 12
            ? ISO8601Time.daysSinceEpoch(year: year + 1, month: 1, day: 1)
            : ISO8601Time.daysSinceEpoch(year: year, month: month + 1, day: 1)
        let lastDay = firstOfNext - 1
        // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
        let weekday = ((lastDay + 4) % 7 + 7) % 7
        return lastDay - weekday
    }
}
