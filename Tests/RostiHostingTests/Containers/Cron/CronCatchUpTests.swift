import Testing

@testable import RostiHosting

/// Which minutes run when the clock moves, by Vixie cron's rules for clock jumps.
@Suite struct CronCatchUpTests {
    typealias Run = CronCatchUp.Run

    @Test func theMinuteItStartsInDoesNotRunTheNextDoes() {
        var cron = CronCatchUp(startingAt: 100)
        #expect(cron.reach(100).isEmpty)
        #expect(cron.reach(101) == [Run(minute: 101, wildcard: true, fixedTime: true)])
        #expect(cron.reach(101).isEmpty, "a minute runs once")
    }

    @Test func aStepOfUpToFiveMinutesRunsEveryMinuteOnTheWay() {
        var cron = CronCatchUp(startingAt: 100)
        #expect(cron.reach(105) == (101...105).map { Run(minute: $0, wildcard: true, fixedTime: true) })
    }

    @Test func aStepOfUpToThreeHoursRunsTheWildcardsOnceAndTheFixedTimesOnTheWay() {
        var cron = CronCatchUp(startingAt: 100)
        let runs = cron.reach(160)
        #expect(runs.first == Run(minute: 160, wildcard: true, fixedTime: false))
        #expect(Array(runs.dropFirst()) == (101...160).map { Run(minute: $0, wildcard: false, fixedTime: true) })
        #expect(cron.virtualMinute == 160)
        #expect(cron.reach(161) == [Run(minute: 161, wildcard: true, fixedTime: true)])
    }

    @Test func aJumpOfThreeHoursOrMoreRunsOnlyTheMinuteReached() {
        var cron = CronCatchUp(startingAt: 100)
        #expect(cron.reach(100 + 180) == [Run(minute: 280, wildcard: true, fixedTime: true)])
        #expect(cron.reach(280 - 180) == [Run(minute: 100, wildcard: true, fixedTime: true)])
    }

    /// Back by less than three hours: only the wildcard jobs run, once a minute, until the
    /// clock passes where it was; then everything runs again.
    @Test func aStepBackRunsOnlyWildcardsUntilTheClockCatchesUp() {
        var cron = CronCatchUp(startingAt: 200)
        #expect(cron.reach(150) == [Run(minute: 150, wildcard: true, fixedTime: false)])
        #expect(cron.reach(150).isEmpty)
        #expect(cron.reach(151) == [Run(minute: 151, wildcard: true, fixedTime: false)])
        #expect(cron.virtualMinute == 200)
        #expect(cron.reach(200) == [Run(minute: 200, wildcard: true, fixedTime: false)])
        #expect(cron.reach(201) == [Run(minute: 201, wildcard: true, fixedTime: true)])
    }
}
