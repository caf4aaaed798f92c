/// ISO 8601 times (RFC 3339's profile) as the emulator reads and writes them: one parser
/// and one formatter for seeds, the admin API, the logs and the Rosti API's dates.
///
/// By hand, on the proleptic Gregorian calendar, rather than with Foundation's
/// `ISO8601DateFormatter`: a formatter costs more to create than the rest of reading a
/// seed, answers must not depend on the machine's time-zone database (a slim container may
/// have none), and one set of rules replaces three that disagreed at the edges.
public enum ISO8601Time {
    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` as unix seconds; nil for anything else,
    /// including a time without a zone, which is ambiguous.
    public static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func isByte(_ index: Int, _ character: Character) -> Bool {
            index < bytes.count && bytes[index] == character.asciiValue
        }
        guard let year = number(0..<4), isByte(4, "-"), let month = number(5..<7), isByte(7, "-"),
            let day = number(8..<10), isByte(10, "T") || isByte(10, "t"), let hour = number(11..<13), isByte(13, ":"),
            let minute = number(14..<16), isByte(16, ":"), let second = number(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if isByte(index, ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offsetSeconds = 0
        if isByte(index, "Z") || isByte(index, "z") {
            index += 1
        } else if isByte(index, "+") || isByte(index, "-") {
            guard let offsetHours = number(index + 1..<index + 3), isByte(index + 3, ":"),
                let offsetMinutes = number(index + 4..<index + 6)
            else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (isByte(index, "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let seconds = daysSinceEpoch(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return Double(seconds) + fraction
    }

    /// `seconds` at the fixed offset `offsetSeconds` east of UTC: `…Z` at 0, `…+01:00`
    /// otherwise; `milliseconds` adds `.SSS`. The instant is first rounded to the nearest
    /// millisecond, as Foundation's formatter (which the admin API used before) rounds it.
    public static func format(_ seconds: Double, offsetSeconds: Int = 0, milliseconds: Bool = false) -> String {
        let wholeMilliseconds = Int64((seconds * 1000).rounded(.toNearestOrAwayFromZero))
        let utc = floorDivide(wholeMilliseconds, 1000)
        let local = utc + Int64(offsetSeconds)
        let days = floorDivide(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if milliseconds { text += "." + pad(wholeMilliseconds - utc * 1000, 3) }
        guard offsetSeconds != 0 else { return text + "Z" }
        let magnitude = Int64(abs(offsetSeconds))
        return text + (offsetSeconds < 0 ? "-" : "+") + pad(magnitude / 3600, 2) + ":" + pad(magnitude / 60 % 60, 2)
    }

    /// Howard Hinnant's `civil_from_days`: the date `days` after 1970-01-01.
    public static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

    /// Howard Hinnant's `days_from_civil`: days from 1970-01-01 to a date.
    public static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
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
