/// Bytes received and not yet consumed, in one growable allocation reused for the whole
/// connection. Its size is bounded by the head limits (bodies stream through it).
final class InputBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// What the storage is allocated at when first needed, and shrinks back to.
    let baseCapacity: Int

    init(baseCapacity: Int) {
        self.baseCapacity = baseCapacity
        storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    deinit { storage.deallocate() }

    var count: Int { end - start }
    var isEmpty: Bool { start == end }

    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[start..<end])
    }

    func consume(_ byteCount: Int) {
        start += byteCount
        if start == end { start = 0; end = 0 }
    }

    /// Free space after the data, made by moving the data to the front or growing.
    func writableSpace(atLeast minimum: Int, maximumCapacity: Int) -> UnsafeMutableRawBufferPointer {
        if storage.count == 0 {
            storage = .allocate(byteCount: max(baseCapacity, minimum), alignment: 1)
        }
        if storage.count - end < minimum && start > 0 {
            let data = count
            if data > 0 { storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: data) }
            start = 0
            end = data
        }
        if storage.count - end < minimum && storage.count < maximumCapacity {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: min(maximumCapacity, max(storage.count * 2, end + minimum)), alignment: 1)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<end]))
            storage.deallocate()
            storage = grown
        }
        return UnsafeMutableRawBufferPointer(rebasing: storage[end...])
    }

    func didWrite(_ byteCount: Int) { end += byteCount }

    /// Gives back what growth added, keeping the unconsumed bytes (a pipelined request),
    /// when they fit in `capacity`.
    func shrink(to capacity: Int) {
        guard storage.count > capacity, count <= capacity else { return }
        let smaller = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        if count > 0 { smaller.copyMemory(from: readable) }
        storage.deallocate()
        storage = smaller
        end = count
        start = 0
    }

    /// Gives the storage back while nothing is buffered (the connection is parked); the
    /// next `writableSpace` allocates it again.
    func release() {
        guard isEmpty, storage.count > 0 else { return }
        storage.deallocate()
        storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    var capacity: Int { storage.count }
}
