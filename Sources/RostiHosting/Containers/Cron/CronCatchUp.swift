/// Which minutes' jobs run when the clock reaches a new minute, by Vixie cron's rules for a
/// clock that moved (Debian's cron.c: its "virtual time"), so that an emulator clock moved
/// by the admin API runs what a real container's cron would after such a jump:
///
/// - a step of 1 to 5 minutes: every minute on the way runs all its jobs;
/// - 6 minutes to 3 hours: the wildcard jobs (minute or hour `*`) run once, for the minute
///   reached; the fixed-time jobs run for every minute on the way;
/// - 3 hours or more, either way: the minute reached runs all its jobs, nothing on the way;
/// - back by less than 3 hours: the wildcard jobs of the minute reached run; the fixed-time
///   ones wait until the clock passes where it was (they ran already).
///
/// Minutes are counted from the Unix epoch.
public struct CronCatchUp: Sendable, Equatable {
    /// One minute whose jobs run, and which of them.
    public struct Run: Sendable, Equatable {
        public let minute: Int64
        public let wildcard: Bool
        public let fixedTime: Bool
    }

    /// The last minute fixed-time jobs ran for.
    public private(set) var virtualMinute: Int64
    /// The last minute wildcard jobs ran for (not twice for one minute).
    private var wildcardMinute: Int64

    /// Jobs start with the minute after `minute`: cron does not run the minute it starts in.
    public init(startingAt minute: Int64) {
        virtualMinute = minute
        wildcardMinute = minute
    }

    static let smallStep: Int64 = 5
    static let largeStep: Int64 = 3 * 60

    /// The runs for the clock reaching `minute`, in order.
    public mutating func reach(_ minute: Int64) -> [Run] {
        let step = minute - virtualMinute
        var runs: [Run] = []
        if step >= Self.largeStep || step <= -Self.largeStep {
            runs = [Run(minute: minute, wildcard: true, fixedTime: true)]
            virtualMinute = minute
        } else if step > Self.smallStep {
            if minute != wildcardMinute { runs.append(Run(minute: minute, wildcard: true, fixedTime: false)) }
            for missed in (virtualMinute + 1)...minute { runs.append(Run(minute: missed, wildcard: false, fixedTime: true)) }
            virtualMinute = minute
        } else if step > 0 {
            for missed in (virtualMinute + 1)...minute {
                runs.append(Run(minute: missed, wildcard: true, fixedTime: true))
            }
            virtualMinute = minute
        } else if minute != wildcardMinute {
            // Back (or still behind where the clock was): wildcard jobs only.
            runs = [Run(minute: minute, wildcard: true, fixedTime: false)]
        }
        wildcardMinute = minute
        return runs
    }
}
