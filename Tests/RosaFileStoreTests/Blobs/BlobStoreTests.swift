import Foundation
import Testing

@testable import RosaFileStore
import TestSupport

@Suite struct BlobStoreTests {
    @Test func streamsIntoATemporaryFileAndRenamesByHash() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let store = try BlobStore(directory: directory.url)
        let writer = try store.beginWrite()
        try writer.append(Data("abc".utf8))
        let temporaryFiles = try FileManager.default.contentsOfDirectory(atPath: directory.path("tmp"))
        #expect(temporaryFiles.count == 1)
        #expect(!store.contains("a9993e364706816aba3e25717850c26c9cd0d89d"))
        let blob = try writer.commit()
        #expect(blob == StoredBlob(sha1: "a9993e364706816aba3e25717850c26c9cd0d89d", size: 3))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("tmp")).isEmpty)
        #expect(FileManager.default.fileExists(atPath: directory.path("a9/a9993e364706816aba3e25717850c26c9cd0d89d")))
        #expect(try store.contents(of: blob.sha1) == Array("abc".utf8))
        #expect(try store.storedHashes() == [blob.sha1])
    }

    @Test func anAbortedWriteLeavesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        let store = try BlobStore(directory: directory.url)
        do {
            let writer = try store.beginWrite()
            try writer.append(Data(repeating: 7, count: 10_000))
            writer.abort()
        }
        do {
            let abandoned = try store.beginWrite()  // released without commit
            try abandoned.append(Data("x".utf8))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("tmp")).isEmpty)
        #expect(try store.storedHashes().isEmpty)
    }

    @Test func openingSweepsTemporaryFilesOfDeadProcessesOnly() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the folder until the test ends
        _ = try BlobStore(directory: directory.url)
        let tmp = directory.url.appendingPathComponent("tmp")
        // pid_max on Linux is at most 2^22, so this pid cannot be running.
        let dead = tmp.appendingPathComponent("99999999-leftover.part")
        let unparseable = tmp.appendingPathComponent("garbage.part")
        let live = tmp.appendingPathComponent("\(getpid())-in-flight.part")
        for file in [dead, unparseable, live] { try Data("half".utf8).write(to: file) }
        _ = try BlobStore(directory: directory.url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == [live.lastPathComponent])
    }

    @Test func readsRangesAndSurvivesRemovalWhileOpen() throws {
        let store = try BlobStore.temporary()
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        let blob = try store.write(bytes)
        let reader = try #require(try store.open(blob.sha1))
        #expect(reader.size == 5000)
        try store.remove(blob.sha1)
        #expect(!store.contains(blob.sha1))
        #expect(try reader.read(at: 4990, maxCount: 100) == Array(bytes[4990...]))
        #expect(try reader.read(at: 10, maxCount: 5) == Array(bytes[10..<15]))
        #expect(try reader.read(at: 6000, maxCount: 5).isEmpty)
        #expect(try store.open(blob.sha1) == nil)
        try store.remove(blob.sha1)  // removing twice is fine
    }

    @Test func refusesNamesThatAreNotHashes() throws {
        let store = try BlobStore.temporary()
        for name in ["../../etc/passwd", "A9993E364706816ABA3E25717850C26C9CD0D89D", "abc", ""] {
            #expect(throws: BlobStoreError.invalidHash(name)) { try store.open(name) }
        }
        #expect(!store.contains("../x"))
    }

    @Test func removeAllExceptKeepsOnlyTheGivenHashes() throws {
        let store = try BlobStore.temporary()
        let keep = try store.write(Array("keep".utf8))
        try store.write(Array("drop".utf8))
        try store.removeAll(except: [keep.sha1])
        #expect(try store.storedHashes() == [keep.sha1])
    }

    @Test func aTemporaryStoreIsDeletedWhenReleased() throws {
        var store: BlobStore? = try BlobStore.temporary()
        let folder = try #require(store?.directory)
        try store?.write(Array("bytes".utf8))
        #expect(FileManager.default.fileExists(atPath: folder.path))
        store = nil
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }
}
