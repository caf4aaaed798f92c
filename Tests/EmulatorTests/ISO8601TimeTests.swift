import EmulatorState
import Foundation
import Testing

/// The one ISO 8601 formatter and parser against Foundation's, which the admin API and the
/// logs used before: the same text for the same instant, so no answer changed.
@Suite struct ISO8601TimeTests {
    static func foundation(_ seconds: Double, offset: Int, milliseconds: Bool) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = milliseconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        formatter.timeZone = TimeZone(secondsFromGMT: offset)!
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    @Test func formatsAsFoundationDoesAcrossCenturiesAndOffsets() {
        var generator = SystemRandomNumberGenerator()
        let instants = [0.0, -1.0, 0.5, 951_782_400.0, 1_709_251_199.999, 4_102_444_800.25, -2_208_988_800.0]
            + (0..<2000).map { _ in Double(Int64.random(in: -3_000_000_000...5_000_000_000, using: &generator)) / 1000 * 997 }
        for seconds in instants {
            for offset in [0, 3600, 7200, -5 * 3600 - 1800] {
                for milliseconds in [false, true] {
                    #expect(
                        ISO8601Time.format(seconds, offsetSeconds: offset, milliseconds: milliseconds)
                            == Self.foundation(seconds, offset: offset, milliseconds: milliseconds),
                        "\(seconds) at \(offset)")
                }
            }
        }
    }

    @Test func parsesWhatItFormats() {
        for seconds in [0.0, 1_610_494_336.5, -86_400.25, 4_102_444_800.0] {
            #expect(ISO8601Time.parse(ISO8601Time.format(seconds, offsetSeconds: 3600, milliseconds: true)) == seconds)
        }
    }
}
