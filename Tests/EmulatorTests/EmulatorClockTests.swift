import EmulatorState
import Foundation
import HTTP
import Primitives
import Synchronization
import Testing
@testable import Emulator
import TestSupport

/// Real time stands still in these tests: the clock reads a counter the test moves.
final class FakeRealTime: Sendable {
    private let seconds = AdaptiveMutex<Double>(1_000_000)
    var now: Double { seconds.withLock { $0 } }
    func pass(_ amount: Double) { seconds.withLock { $0 += amount } }
    var source: @Sendable () -> Double { { self.now } }
}

@Suite struct EmulatorClockTests {
    @Test func realClockFollowsRealTime() {
        let real = FakeRealTime()
        let clock = EmulatorClock(realTime: real.source)
        #expect(clock.now() == 1_000_000)
        real.pass(5)
        #expect(clock.now() == 1_000_005)
        #expect(clock.reading == .init(mode: .real, now: 1_000_005, offset: 0))
    }

    @Test func advancingARealClockMakesItAnOffsetClockThatKeepsRunning() {
        let real = FakeRealTime()
        let clock = EmulatorClock(realTime: real.source)
        clock.advance(by: 3600)
        #expect(clock.reading == .init(mode: .offset, now: 1_003_600, offset: 3600))
        real.pass(10)
        #expect(clock.now() == 1_003_610)
        clock.advance(by: 60)
        #expect(clock.now() == 1_003_670)
    }

    @Test func frozenClockStandsStillUntilAdvanced() {
        let real = FakeRealTime()
        let clock = EmulatorClock(realTime: real.source)
        clock.set(mode: .frozen, now: 2_000_000)
        real.pass(100)
        #expect(clock.now() == 2_000_000)
        clock.advance(by: 30)
        #expect(clock.reading.mode == .frozen)
        #expect(clock.now() == 2_000_030)
        clock.set(mode: .real)
        #expect(clock.now() == real.now)
    }

    @Test func offsetClockSetToAMoment() {
        let real = FakeRealTime()
        let clock = EmulatorClock(realTime: real.source)
        clock.set(mode: .offset, now: 500_000)
        #expect(clock.reading.offset == -500_000)
        real.pass(1)
        #expect(clock.now() == 500_001)
    }

    @Test func observersHearEveryChange() {
        let clock = EmulatorClock(realTime: FakeRealTime().source)
        let calls = AdaptiveMutex(0)
        clock.addObserver { calls.withLock { $0 += 1 } }
        clock.advance(by: 1)
        clock.set(mode: .frozen)
        #expect(calls.withLock { $0 } == 2)
    }

    @Test func iso8601BothWays() {
        let moment = 1_610_494_336.0  // 2021-01-13T00:32:16+01:00
        #expect(ISO8601Time.format(moment, offsetSeconds: 3600) == "2021-01-13T00:32:16+01:00")
        #expect(EmulatorClock.parseISO8601("2021-01-13T00:32:16+01:00") == moment)
        #expect(EmulatorClock.parseISO8601("2021-01-12T23:32:16.500Z") == moment + 0.5)
        #expect(EmulatorClock.parseISO8601("yesterday") == nil)
    }
}

@Suite struct EmulatorSettingsTests {
    @Test func encodesWithTheDocumentedKeys() throws {
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(EmulatorSettings())) as? [String: Any]
        #expect(Set(json?.keys ?? [:].keys) == ["rate_limit", "rate_window_s", "rate_limited_apis", "job_durations", "language", "latency_ms", "journal_size", "max_tenants"])
        let durations = json?["job_durations"] as? [String: [String: Double]]
        #expect(durations?["new_app"] == ["pending_s": 1, "running_s": 5])
        #expect(json?["rate_limited_apis"] as? [String] == ["rosa"])
    }

    @Test func decodesWhatItEncodes() throws {
        var settings = EmulatorSettings()
        settings.rateLimit = 5
        settings.rateLimitedAPIs = [.rosa, .rosti]
        settings.jobDurations[.snapshot] = JobDuration(pendingSeconds: 0, runningSeconds: 0)
        let decoded = try JSONDecoder().decode(EmulatorSettings.self, from: JSONEncoder().encode(settings))
        #expect(decoded == settings)
    }

    @Test func sharedStoreAppliesUpdates() {
        let store = SettingsStore()
        store.update { $0.language = "en" }
        #expect(store.value.language == "en")
    }
}
