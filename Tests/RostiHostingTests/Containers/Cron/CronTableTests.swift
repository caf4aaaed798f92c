import Testing

@testable import RostiHosting

/// Crontabs read as Vixie cron reads them: settings, entries, `@` keywords, `%` input, and
/// the lines cron leaves out.
@Suite struct CronTableTests {
    @Test func readsEntriesWithTheSettingsAboveThem() throws {
        let table = CronTable(parsing: """
            # a comment
            MAILTO=""
            PATH = /srv/bin:/usr/bin:/bin
            */5 * * * * cd /srv/app && ./job.sh
              SHELL='/bin/bash'
            @hourly echo hourly
            @reboot echo up >> /srv/log/boot.log

            """)
        #expect(table.entries.count == 3)
        let first = table.entries[0]
        #expect(first.command == "cd /srv/app && ./job.sh")
        #expect(first.input == nil)
        #expect(first.environment.map { $0.name } == ["MAILTO", "PATH"])
        #expect(first.environment.map { $0.value } == ["", "/srv/bin:/usr/bin:/bin"])
        #expect(first.schedule?.isWildcard == true)
        #expect(table.entries[1].schedule == CronSchedule(keyword: "hourly"))
        #expect(table.entries[1].environment.last?.value == "/bin/bash")
        #expect(table.entries[2].schedule == nil, "@reboot has no schedule: it runs at the container's start")
        #expect(table.entries[2].command == "echo up >> /srv/log/boot.log")
    }

    @Test func aSettingSetTwiceKeepsTheLastValue() {
        let table = CronTable(parsing: "A=1\nA=2\n* * * * * env\n")
        #expect(table.entries.first?.environment.map { $0.value } == ["2"])
    }

    /// The first unescaped `%` starts the command's input; each further one is a line end;
    /// `\%` is a `%` in either.
    @Test func percentSignsSplitTheInputOff() {
        let table = CronTable(parsing: #"""
            0 * * * * date +\%H:\%M%first line%second \% line
            0 * * * * printf 100\%
            """#)
        #expect(table.entries[0].command == "date +%H:%M")
        #expect(table.entries[0].input == "first line\nsecond % line\n")
        #expect(table.entries[1].command == "printf 100%")
        #expect(table.entries[1].input == nil)
    }

    @Test(arguments: [
        "60 * * * * echo bad minute",
        "* 24 * * * echo bad hour",
        "* * 0 * * echo bad day",
        "* * * 13 * echo bad month",
        "* * * * 8 echo bad weekday",
        "* * * * * ",
        "* * * *",
        "5-1 * * * * echo backwards",
        "*/0 * * * * echo no step",
        "5/10 * * * * echo step on a number",
        "@often echo unknown",
        "@daily",
        "x * * * * echo word",
    ])
    func leavesOutWhatCronRefuses(_ line: String) {
        #expect(CronTable(parsing: line + "\n* * * * * echo kept\n").entries.map { $0.command } == ["echo kept"])
    }
}
