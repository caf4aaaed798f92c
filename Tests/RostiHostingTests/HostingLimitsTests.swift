import RostiHosting
import Testing

@Suite struct HostingLimitsTests {
    @Test func theDefaultsAreOneValue() {
        #expect(HostingLimits.default == HostingLimits())
    }
}
