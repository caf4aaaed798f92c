import Testing

@testable import RostiHosting

/// When entries match, field by field, as Vixie cron decides.
@Suite struct CronScheduleTests {
    static func schedule(_ fields: String) throws -> CronSchedule {
        try #require(CronSchedule(fields: fields.split(separator: " ")))
    }

    /// Saturday 10 January 2026, 13:30.
    static func matches(_ fields: String, minute: Int = 30, hour: Int = 13, day: Int = 10, month: Int = 1, weekday: Int = 6) throws -> Bool {
        try schedule(fields).matches(minute: minute, hour: hour, day: day, month: month, weekday: weekday)
    }

    @Test func listsRangesAndSteps() throws {
        #expect(try Self.matches("30 13 * * *"))
        #expect(try !Self.matches("31 13 * * *"))
        #expect(try Self.matches("0,15,30,45 * * * *"))
        #expect(try Self.matches("*/15 * * * *"))
        #expect(try !Self.matches("*/7 * * * *"))
        #expect(try Self.matches("20-40/10 12-14 * * *"))
        #expect(try !Self.matches("20-40/15 * * * *"), "20, 35: not 30")
        #expect(try Self.matches("* * 10 jan *"))
        #expect(try Self.matches("* * * JAN-mar sat"))
        #expect(try !Self.matches("* * * feb *"))
    }

    @Test func sundayIsZeroAndSeven() throws {
        #expect(try Self.matches("* * * * 0", day: 11, weekday: 0))
        #expect(try Self.matches("* * * * 7", day: 11, weekday: 0))
        #expect(try Self.matches("* * * * 5-7", day: 11, weekday: 0))
        #expect(try !Self.matches("* * * * 1-5", day: 11, weekday: 0))
    }

    /// Day of month and day of week: both must match when either field starts with `*`,
    /// otherwise either is enough.
    @Test func dayOfMonthAndDayOfWeek() throws {
        #expect(try Self.matches("* * 1 * sat"), "the 10th is a Saturday: either is enough")
        #expect(try Self.matches("* * 10 * mon"))
        #expect(try !Self.matches("* * 1 * mon"))
        #expect(try !Self.matches("* * * * mon"), "a * day of month: the weekday must match")
        #expect(try !Self.matches("* * */2 * sat"), "*/2 starts with *: both must match, and the 10th is even")
        #expect(try Self.matches("* * */3 * sat"), "1, 4, 7, 10")
    }

    @Test func wildcardsAreTheEntriesWhoseMinuteOrHourStartsWithAStar() throws {
        #expect(try Self.schedule("* 3 * * *").isWildcard)
        #expect(try Self.schedule("0 */2 * * *").isWildcard)
        #expect(try !Self.schedule("0 3 * * *").isWildcard)
        #expect(try !Self.schedule("0-59 0-23 * * *").isWildcard)
        #expect(try #require(CronSchedule(keyword: "hourly")).isWildcard)
        #expect(try !#require(CronSchedule(keyword: "daily")).isWildcard)
    }

    @Test func keywordsAreTheirFields() throws {
        #expect(CronSchedule(keyword: "yearly") == (try Self.schedule("0 0 1 1 *")))
        #expect(CronSchedule(keyword: "annually") == (try Self.schedule("0 0 1 1 *")))
        #expect(CronSchedule(keyword: "monthly") == (try Self.schedule("0 0 1 * *")))
        #expect(CronSchedule(keyword: "weekly") == (try Self.schedule("0 0 * * 0")))
        #expect(CronSchedule(keyword: "midnight") == (try Self.schedule("0 0 * * *")))
        #expect(CronSchedule(keyword: "reboot") == nil)
    }
}
