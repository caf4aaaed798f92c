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
        let offsetHours: Int64 = isSummerTime(utc) ? 2 : 1
        let local = utc + offsetHours * 3600
        let days = floorDivide(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))+0\(offsetHours):00"
    }

    static func iso8601(_ unixSeconds: Double?) -> JSONValue {
        unixSeconds.map { .string(iso8601($0)) } ?? .null
    }

    /// Central European Summer Time is in force at this UTC second.
    static func isSummerTime(_ utc: Int64) -> Bool {
        let (year, _, _) = civilDate(daysSinceEpoch: floorDivide(utc, 86_400))
        let start = lastSunday(ofMonth: 3, year: year) * 86_400 + 3600
        let end = lastSunday(ofMonth: 10, year: year) * 86_400 + 3600
        return utc >= start && utc < end
    }

    /// Days since 1970-01-01 of the last Sunday of a month.
    private static func lastSunday(ofMonth month: Int64, year: Int64) -> Int64 {
        let firstOfNext = month == 12 ? daysSinceEpoch(year: year + 1, month: 1, day: 1) : daysSinceEpoch(year: year, month: month + 1, day: 1)
        let lastDay = firstOfNext - 1
        // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
        let weekday = ((lastDay + 4) % 7 + 7) % 7
        return lastDay - weekday
    }

    /// Howard Hinnant's `civil_from_days` (proleptic Gregorian).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Howard Hinnant's `days_from_civil`.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
