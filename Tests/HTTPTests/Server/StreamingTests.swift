#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import Synchronization
import Testing
import TestSupport

/// Bodies stream both ways: a large upload is handed to the handler as it arrives, a large
/// download is produced as the client takes it; neither is held whole in memory.
@Suite struct StreamingTests {
    /// A position-weighted sum of 64-bit words, to compare what was sent with what arrived
    /// (cheap enough for 64 MB in a debug build; reads are multiples of 8 bytes here).
    static func checksum(_ bytes: UnsafeRawBufferPointer, into hash: inout UInt64) {
        for word in bytes.bindMemory(to: UInt64.self) {
            hash = hash &* 31 &+ word
        }
    }

    /// One megabyte of varied bytes, made once: tests send it again and again with the
    /// piece's number stamped in its first bytes.
    static let megabyte: [UInt8] = (0..<(1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    static func pattern(_ index: Int, count: Int) -> [UInt8] {
        var piece = Array(megabyte[0..<count])
        withUnsafeBytes(of: UInt64(index)) { stamp in
            for offset in 0..<min(8, count) { piece[offset] = stamp[offset] }
        }
        return piece
    }

    @Test func aLargeUploadReachesTheHandlerAsItArrives() throws {
        let total = 64 * 1024 * 1024
        let piece = 1024 * 1024
        let firstBytesSeen = DispatchSemaphore(value: 0)
        let largestRead = SharedCounter()
        try withTestServer(routes: { router in
            router.add(.post, "/upload") { request in
                var hash: UInt64 = 17
                var received = 0
                var signalled = false
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 1)
                defer { scratch.deallocate() }
                var filled = 0
                while case let count = try request.body.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[filled...])), count > 0 {
                    received += count
                    largestRead.raise(to: Int64(count))
                    if !signalled { firstBytesSeen.signal(); signalled = true }
                    filled += count
                    // Checksummed a whole buffer at a time, so word boundaries match the sender's.
                    if filled == scratch.count {
                        StreamingTests.checksum(UnsafeRawBufferPointer(scratch), into: &hash)
                        filled = 0
                    }
                }
                return Response(contentType: "text/plain", bytes: Array("\(received) \(hash)".utf8))
            }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(total)\r\n\r\n")
            var expected: UInt64 = 17
            for index in 0..<(total / piece) {
                let bytes = StreamingTests.pattern(index, count: piece)
                bytes.withUnsafeBytes { StreamingTests.checksum($0, into: &expected) }
                try client.send(bytes)
                // The handler must see bytes before the client has sent more than one piece:
                // proof that the body is not collected first.
                if index == 0 { #expect(firstBytesSeen.wait(timeout: .now() + 5) == .success) }
            }
            let answer = try client.readResponse().text
            #expect(answer == "\(total) \(expected)", "server saw \(answer)")
            #expect(largestRead.current <= 256 * 1024)
        }
    }

    @Test func aChunkedUploadStreamsToo() throws {
        try withTestServer(routes: { router in
            router.add(.post, "/count") { request in
                var received = 0
                while let chunk = try request.body.readChunk() { received += chunk.count }
                return Response(contentType: "text/plain", bytes: Array(String(received).utf8))
            }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("POST /count HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            for index in 0..<64 {
                try client.send(Array("100000\r\n".utf8) + StreamingTests.pattern(index, count: 0x100000) + [13, 10])
            }
            try client.send("0\r\n\r\n")
            #expect(try client.readResponse().text == String(64 * 0x100000))
        }
    }

    @Test func aLargeDownloadIsProducedAsTheClientReads() throws {
        let total: Int64 = 64 * 1024 * 1024
        let produced = SharedCounter()
        try withTestServer(routes: { router in
            router.add(.get, "/download") { _ in
                Response(headers: ["Content-Type": "application/octet-stream"], body: .stream(length: nil) { writer in
                    for index in 0..<Int(total / 65536) {
                        try writer.write(StreamingTests.pattern(index, count: 65536))
                        produced.add(65536)
                    }
                })
            }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /download HTTP/1.1\r\nHost: t\r\n\r\n")
            // While the client reads nothing, the producer is held back by the socket.
            usleep(300_000)
            #expect(produced.current < 32 * 1024 * 1024)
            let response = try client.readResponse()
            #expect(response.headers["Transfer-Encoding"] == "chunked")
            #expect(Int64(response.body.count) == total)
            #expect(Array(response.body[65536..<65546]) == Array(StreamingTests.pattern(1, count: 10)))
        }
    }

    @Test func filesAreSentWithTheirLength() throws {
        let path = "/tmp/rostra-http-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let content = StreamingTests.pattern(7, count: 300_000)
        let file = fopen(path, "wb")!
        _ = content.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        defer { unlink(path) }
        try withTestServer(routes: { router in
            router.add(.get, "/file") { _ in
                let open = try OpenFile(path: path)
                return Response(headers: ["Content-Type": "application/octet-stream"], body: .file(FileRegion(file: open)))
            }
            router.add(.get, "/range") { _ in
                Response(status: .partialContent, body: .file(FileRegion(file: try OpenFile(path: path), offset: 1000, length: 10)))
            }
        }) { server in
            let client = try RawClient(port: server.port)
            try client.send("GET /file HTTP/1.1\r\nHost: t\r\n\r\n")
            let whole = try client.readResponse()
            #expect(whole.headers["Content-Length"] == "300000")
            #expect(whole.body == content)
            try client.send("HEAD /file HTTP/1.1\r\nHost: t\r\n\r\nGET /range HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse(head: true).headers["Content-Length"] == "300000")
            let range = try client.readResponse()
            #expect(range.status == 206)
            #expect(range.body == Array(content[1000..<1010]))
        }
    }

    @Test func aClientThatLeavesMidResponseFreesTheConnection() throws {
        try withTestServer(configure: { $0.timeouts.write = .seconds(2) }, routes: { router in
            router.add(.get, "/endless") { _ in
                Response(body: .stream(length: nil) { writer in
                    for index in 0..<100_000 { try writer.write(StreamingTests.pattern(index, count: 65536)) }
                })
            }
        }) { server in
            do {
                let client = try RawClient(port: server.port)
                try client.send("GET /endless HTTP/1.1\r\nHost: t\r\n\r\n")
                // Reads nothing of the response, then goes away.
            }
            #expect(eventually(timeout: .seconds(5)) { server.openConnections == 0 })
        }
    }
}
