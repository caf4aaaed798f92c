/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator whose whole future is fixed
/// by its seed. Each fault rule has its own, so a rule's sequence of fire / don't fire (and
/// of delays in a range) replays exactly from the same seed and the same requests, whatever
/// other rules or tenants do. The arithmetic is spelled out here rather than borrowed from
/// the standard library's `random(in:using:)`, whose algorithm may change between Swift
/// versions and would then break a replay. Public for anything else in the emulator that
/// must replay (e.g. test content that is the same on every run).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), with the 53 bits a double holds.
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// In `range`; the modulo bias is below 2^-40 for any delay range a rule may have.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % span)
    }
}
