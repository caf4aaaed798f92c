import Testing

@testable import RostiAPI

@Suite struct LanguageTests {
    @Test func acceptLanguagePicksTheBestLanguageWeSpeak() {
        #expect(Language.negotiate(acceptLanguage: "en-US,en;q=0.9", default: "cs") == .en)
        #expect(Language.negotiate(acceptLanguage: "cs-CZ", default: "en") == .cs)
        #expect(Language.negotiate(acceptLanguage: "de, en;q=0.5, cs;q=0.7", default: "en") == .cs)
        #expect(Language.negotiate(acceptLanguage: "cs;q=0, en", default: "cs") == .en)
    }

    @Test func withoutAUsableLanguageTheConfiguredDefaultApplies() {
        #expect(Language.negotiate(acceptLanguage: nil, default: "cs") == .cs)
        #expect(Language.negotiate(acceptLanguage: "", default: "en") == .en)
        #expect(Language.negotiate(acceptLanguage: "de, fr;q=0.8", default: "cs") == .cs)
        #expect(Language.negotiate(acceptLanguage: "*", default: "en") == .en)
        #expect(Language(configured: "en-GB") == .en)
        #expect(Language(configured: "klingon") == .cs)
    }
}

@Suite struct RostiTimeTests {
    @Test func writesPragueTimeWithTheEUSummerRule() {
        #expect(RostiTime.iso8601(1_768_046_400) == "2026-01-10T13:00:00+01:00")
        #expect(RostiTime.iso8601(1_705_309_951) == "2024-01-15T10:12:31+01:00")
        // 2024-04-02T16:40:05Z is summer time.
        #expect(RostiTime.iso8601(1_712_076_005) == "2024-04-02T18:40:05+02:00")
        // 2024 switches at 2024-03-31T01:00Z and 2024-10-27T01:00Z.
        #expect(RostiTime.iso8601(1_711_846_799) == "2024-03-31T01:59:59+01:00")
        #expect(RostiTime.iso8601(1_711_846_800) == "2024-03-31T03:00:00+02:00")
        #expect(RostiTime.iso8601(1_729_990_799) == "2024-10-27T02:59:59+02:00")
        #expect(RostiTime.iso8601(1_729_990_800) == "2024-10-27T02:00:00+01:00")
        // Fractions are cut, as the live service shows whole seconds.
        #expect(RostiTime.iso8601(1_768_046_400.999) == "2026-01-10T13:00:00+01:00")
    }
}
