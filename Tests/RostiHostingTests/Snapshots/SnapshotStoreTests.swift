import Foundation
import RostiHosting
import Testing
import TestSupport

/// The snapshots' archives of a state: complete archives only, under their snapshot's id.
@Suite struct SnapshotStoreTests {
    @Test func anArchiveAppearsOnlyWhenCommittedAndGoesWhenRemoved() throws {
        let scratch = try TemporaryDirectory()
        let store = SnapshotStore(location: .folder(scratch.path("state.sqlite-snapshots")))
        let incoming = try store.incomingFile(for: 7)
        try Data("archive".utf8).write(to: URL(fileURLWithPath: incoming))
        #expect(store.archive(of: 7) == nil, "an incoming archive is not the snapshot's yet")
        #expect(store.storedSnapshots().isEmpty)
        try store.commit(incoming, as: 7)
        #expect(store.size(of: 7) == 7)
        #expect(try store.contents(of: 7) == Array("archive".utf8))
        try store.write(Array("other".utf8), as: 8)
        #expect(store.storedSnapshots() == [7, 8])
        store.removeAll(except: [8])
        #expect(store.storedSnapshots() == [8])
        store.remove(8)
        #expect(store.storedSnapshots().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: try store.root()).isEmpty)
    }

    @Test func whatACrashLeftHalfDoneGoesWhenTheStoreIsOpenedAgain() throws {
        let scratch = try TemporaryDirectory()
        let folder = scratch.path("state.sqlite-snapshots")
        let first = SnapshotStore(location: .folder(folder))
        try first.write(Array("kept".utf8), as: 1)
        try Data("half".utf8).write(to: URL(fileURLWithPath: try first.incomingFile(for: 2)))
        let staged = try first.stagingFolder(forJob: 9)
        try FileManager.default.createDirectory(atPath: staged + "/srv", withIntermediateDirectories: true)
        let second = SnapshotStore(location: .folder(folder))
        #expect(try FileManager.default.contentsOfDirectory(atPath: try second.root()).sorted() == [".staging", "1.tar"],
                "the incoming archive goes; a staged new app's files wait for their job")
        #expect(second.stagedJobs() == [9])
        second.discardStaged(job: 9)
        #expect(second.stagedJobs().isEmpty)
    }

    @Test func aTemporaryStoreGoesWithIt() throws {
        var path = ""
        do {
            let store = SnapshotStore(location: .temporary)
            path = try store.root()
            try store.write(Array("x".utf8), as: 1)
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
