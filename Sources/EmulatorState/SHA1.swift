import CSHA1

/// Incremental SHA-1 (FIPS 180-4, section 6.1): the identity of an exported state's
/// unlabelled files, and the Rosa File Store's content addressing. Not for security: SHA-1 is only a
/// file identity here.
///
/// Whole blocks go to the processor's SHA instructions when it has them (`CSHA1`, about
/// ten times the portable rounds below, which remain for other processors).
public struct SHA1: Sendable {
    /// Asked of the processor once per process.
    private static let hardwareAvailable = rostra_sha1_hardware_available() != 0

    public static let digestByteCount = 20
    private static let blockByteCount = 64

    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var pending: [UInt8] = []
    private var totalByteCount: UInt64 = 0

    /// False only when a test asks for the portable rounds on hardware that has both.
    private let usesHardware: Bool

    public init() { self.init(portable: false) }

    /// `portable`: use the Swift rounds even where the processor could do better (tests
    /// check both paths against the same vectors).
    init(portable: Bool) {
        usesHardware = Self.hardwareAvailable && !portable
        pending.reserveCapacity(Self.blockByteCount)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        totalByteCount &+= UInt64(bytes.count)
        var remaining = bytes[...]
        if !pending.isEmpty {
            let needed = Self.blockByteCount - pending.count
            pending.append(contentsOf: remaining.prefix(needed))
            remaining = remaining.dropFirst(needed)
            guard pending.count == Self.blockByteCount else { return }
            pending.withUnsafeBytes { block in
                if usesHardware { compressWithHardware(block, count: 1) } else { compress(block) }
            }
            pending.removeAll(keepingCapacity: true)
        }
        let wholeBlocks = remaining.count / Self.blockByteCount
        if wholeBlocks > 0 {
            let blocks = UnsafeRawBufferPointer(rebasing: remaining.prefix(wholeBlocks * Self.blockByteCount))
            if usesHardware {
                compressWithHardware(blocks, count: wholeBlocks)
            } else {
                for offset in stride(from: 0, to: blocks.count, by: Self.blockByteCount) {
                    compress(UnsafeRawBufferPointer(rebasing: blocks[offset..<offset + Self.blockByteCount]))
                }
            }
            remaining = remaining.dropFirst(wholeBlocks * Self.blockByteCount)
        }
        pending.append(contentsOf: remaining)
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if contiguous == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// The 20-byte digest. Finishing a copy leaves `self` usable for more input.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitCount = totalByteCount &* 8
        // Padding (FIPS 180-4 §5.1.1): a 1 bit, zeros up to 56 mod 64, the length in bits.
        var padding: [UInt8] = [0x80]
        let afterMarker = (copy.pending.count + 1) % Self.blockByteCount
        padding += [UInt8](repeating: 0, count: (56 - afterMarker + Self.blockByteCount) % Self.blockByteCount)
        padding += (0..<8).reversed().map { UInt8(truncatingIfNeeded: bitCount >> (UInt64($0) * 8)) }
        padding.withUnsafeBytes { copy.update($0) }
        let words = [copy.state.0, copy.state.1, copy.state.2, copy.state.3, copy.state.4]
        return words.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
    }

    /// The digest as 40 lowercase hex digits, the form the Rosa API uses.
    public func hexDigest() -> String { Self.hex(finalize()) }

    public static func hexDigest<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA1()
        hasher.update(bytes)
        return hasher.hexDigest()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    private mutating func compressWithHardware(_ blocks: UnsafeRawBufferPointer, count: Int) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 5) { words in
            (words[0], words[1], words[2], words[3], words[4]) = state
            rostra_sha1_blocks_hardware(words.baseAddress!, blocks.baseAddress!.assumingMemoryBound(to: UInt8.self), count)
            state = (words[0], words[1], words[2], words[3], words[4])
        }
    }

    /// One 512-bit block (FIPS 180-4 §6.1.2).
    ///
    /// The message schedule is kept as 16 words on the stack, each computed when its round
    /// needs it (W[t] depends only on the 16 before it), and the four kinds of round are
    /// four loops without a branch: allocating the 80-word schedule per block was measured
    /// to hold uploads to about 100 MB/s.
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { words in
            for index in 0..<16 {
                words[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            }
            @inline(__always) func word(_ index: Int) -> UInt32 {
                if index < 16 { return words[index] }
                let value = rotateLeft(
                    words[(index - 3) & 15] ^ words[(index - 8) & 15] ^ words[(index - 14) & 15] ^ words[index & 15], by: 1)
                words[index & 15] = value
                return value
            }
            var (a, b, c, d, e) = state
            for index in 0..<20 {
                let temporary = rotateLeft(a, by: 5) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ word(index)
                (e, d, c, b, a) = (d, c, rotateLeft(b, by: 30), a, temporary)
            }
            for index in 20..<40 {
                let temporary = rotateLeft(a, by: 5) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ word(index)
                (e, d, c, b, a) = (d, c, rotateLeft(b, by: 30), a, temporary)
            }
            for index in 40..<60 {
                let temporary = rotateLeft(a, by: 5) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ word(index)
                (e, d, c, b, a) = (d, c, rotateLeft(b, by: 30), a, temporary)
            }
            for index in 60..<80 {
                let temporary = rotateLeft(a, by: 5) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ word(index)
                (e, d, c, b, a) = (d, c, rotateLeft(b, by: 30), a, temporary)
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
    }

    @inline(__always)
    private func rotateLeft(_ value: UInt32, by count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }
}
