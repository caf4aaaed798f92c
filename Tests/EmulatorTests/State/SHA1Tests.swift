import Testing

@testable import EmulatorState
import TestSupport

/// Every check runs on both ways of compressing blocks: the processor's SHA instructions
/// (where it has them) and the portable Swift rounds.
@Suite struct SHA1Tests {
    static let paths = [false, true]  // portable?

    static func digest(_ bytes: [UInt8], portable: Bool) -> String {
        var hasher = SHA1(portable: portable)
        hasher.update(bytes)
        return hasher.hexDigest()
    }

    // FIPS 180-2 appendix A and the NIST example vectors.
    static let vectors = [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ]

    @Test(arguments: paths)
    func matchesKnownVectors(portable: Bool) {
        for (message, digest) in Self.vectors {
            #expect(Self.digest(Array(message.utf8), portable: portable) == digest, "\(message)")
        }
    }

    @Test(arguments: paths)
    func millionAs(portable: Bool) {
        var hasher = SHA1(portable: portable)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.hexDigest() == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// Many blocks in one call (the hardware path's loop) agree with the portable rounds,
    /// byte for byte, for lengths around every padding edge.
    @Test func bothPathsAgreeOnLongAndOddInputs() {
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 4096, 65_537, 1 << 20] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 8) }
            #expect(Self.digest(message, portable: false) == Self.digest(message, portable: true), "length \(length)")
        }
    }

    @Test(arguments: paths)
    func chunkBoundariesDoNotMatter(portable: Bool) {
        // Lengths around the 55/56/64-byte padding edges, fed in uneven pieces.
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            var hasher = SHA1(portable: portable)
            var offset = 0
            var piece = 1
            while offset < message.count {
                let end = min(message.count, offset + piece)
                hasher.update(message[offset..<end])
                offset = end
                piece = piece * 3 % 71 + 1
            }
            #expect(hasher.hexDigest() == Self.digest(message, portable: true), "length \(length)")
        }
    }

    @Test(arguments: paths)
    func finalizingDoesNotEndTheHasher(portable: Bool) {
        var hasher = SHA1(portable: portable)
        hasher.update(Array("ab".utf8))
        _ = hasher.finalize()
        hasher.update(Array("c".utf8))
        #expect(hasher.hexDigest() == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
