@testable import HTTP
import Testing

/// A connection's input buffer grows for a body or a long head and goes back to its
/// resting size between requests, keeping a pipelined request that is already in it.
@Suite struct InputBufferTests {
    private func fill(_ buffer: InputBuffer, with bytes: [UInt8], maximumCapacity: Int) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let space = buffer.writableSpace(atLeast: 16, maximumCapacity: maximumCapacity)
            let count = min(space.count, rest.count)
            space.copyBytes(from: rest.prefix(count))
            buffer.didWrite(count)
            rest = rest.dropFirst(count)
        }
    }

    @Test func shrinkingKeepsTheUnconsumedBytes() {
        let buffer = InputBuffer(baseCapacity: 64)
        fill(buffer, with: Array(repeating: 0x61, count: 200) + Array("next".utf8), maximumCapacity: 1024)
        #expect(buffer.capacity >= 204)
        buffer.consume(200)
        buffer.shrink(to: 64)
        #expect(buffer.capacity == 64)
        #expect(Array(buffer.readable) == Array("next".utf8))
        // Still usable after shrinking: more data lands after what was kept.
        fill(buffer, with: Array("!".utf8), maximumCapacity: 1024)
        #expect(Array(buffer.readable) == Array("next!".utf8))
    }

    @Test func aBufferWhoseDataDoesNotFitStaysAsItIs() {
        let buffer = InputBuffer(baseCapacity: 64)
        fill(buffer, with: Array(repeating: 0x62, count: 100), maximumCapacity: 1024)
        let grown = buffer.capacity
        buffer.shrink(to: 64)
        #expect(buffer.capacity == grown)
        #expect(buffer.count == 100)
    }

    @Test func aBufferAtItsRestingSizeIsNotReallocated() {
        let buffer = InputBuffer(baseCapacity: 64)
        fill(buffer, with: Array("abc".utf8), maximumCapacity: 1024)
        let before = buffer.readable.baseAddress
        buffer.shrink(to: 64)
        #expect(buffer.readable.baseAddress == before)
        #expect(Array(buffer.readable) == Array("abc".utf8))
    }

    @Test func aParkedConnectionsBufferHoldsNothingAndComesBackOnUse() {
        let buffer = InputBuffer(baseCapacity: 64)
        #expect(buffer.capacity == 0)  // nothing allocated before the first read
        fill(buffer, with: Array("partial".utf8), maximumCapacity: 1024)
        buffer.release()
        #expect(Array(buffer.readable) == Array("partial".utf8), "released with a partial head in it")
        buffer.consume(buffer.count)
        buffer.release()
        #expect(buffer.capacity == 0)
        fill(buffer, with: Array("again".utf8), maximumCapacity: 1024)
        #expect(buffer.capacity == 64)
        #expect(Array(buffer.readable) == Array("again".utf8))
    }
}
