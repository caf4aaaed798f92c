import Primitives
import Testing

@Suite struct MonotonicTimeTests {
    @Test func neverGoesBackwards() {
        var last = MonotonicTime.now()
        for _ in 0..<10_000 {
            let now = MonotonicTime.now()
            #expect(now >= last)
            last = now
        }
    }

    @Test func deadlinesAndElapsedTime() {
        let start = MonotonicTime(nanoseconds: 1_000)
        let deadline = start + .milliseconds(250)
        #expect(deadline.nanoseconds == 250_001_000)
        #expect(deadline.since(start) == .milliseconds(250))
        #expect(start < deadline)
    }

    @Test func durationsInNanosecondsSaturateInsteadOfTrapping() {
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
        #expect(Duration.microseconds(1500).milliseconds == 1.5)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
    }
}
