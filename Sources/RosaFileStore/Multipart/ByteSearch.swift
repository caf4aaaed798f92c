#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

enum ByteSearch {
    /// `memchr`: the C library scans a word or a vector register at a time, far faster than a
    /// byte loop over a long header line or a chunk's tail.
    static func firstIndex(of byte: UInt8, in input: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < input.count, let base = input.baseAddress,
            let found = memchr(base + start, Int32(byte), input.count - start)
        else { return nil }
        return UnsafeRawPointer(found) - base
    }
}
