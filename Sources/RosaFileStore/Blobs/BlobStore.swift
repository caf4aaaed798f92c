import EmulatorState
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file's identity in the blob store: its SHA-1 and length.
public struct StoredBlob: Sendable, Hashable {
    public let sha1: String
    public let size: Int64
}

public enum BlobStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Not 40 lowercase hex digits — refused before it can become a path.
    case invalidHash(String)
    /// A system call failed; `code` is its errno.
    case io(operation: String, path: String, code: Int32)

    public var description: String {
        switch self {
        case .invalidHash(let hash): return "not a SHA-1 (40 lowercase hex digits): \(hash)"
        case .io(let operation, let path, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Uploaded bytes on disk, content-addressed: `<directory>/ab/abcdef…` (the first two hex
/// digits fan the files out). Files are never stored in SQLite rows.
///
/// A write streams into `<directory>/tmp/` while hashing, is fsynced, and only then renamed
/// to its final name; callers insert the row that points at it after that. So a crash can
/// leave a stray temporary file (swept at the next open) or an unreferenced blob (removed
/// by the next reset or import), but never a row pointing at half a file.
public final class BlobStore: Sendable {
    public let directory: URL
    private let temporaryDirectory: URL
    private let removesDirectoryWhenReleased: Bool
    /// A throwaway store skips fsync: its files die with the process anyway.
    fileprivate var isDurable: Bool { !removesDirectoryWhenReleased }

    /// Opens (creating when missing) the blob folder at `directory` and deletes temporary
    /// files left by processes that no longer run.
    public convenience init(directory: URL) throws {
        try self.init(directory: directory, removesDirectoryWhenReleased: false)
    }

    /// A blob store in a fresh temporary folder, deleted when the store is released — for
    /// ":memory:" databases, whose files must not outlive them either.
    public static func temporary() throws -> BlobStore {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rostra-blobs-\(UUID().uuidString)", isDirectory: true)
        return try BlobStore(directory: directory, removesDirectoryWhenReleased: true)
    }

    private init(directory: URL, removesDirectoryWhenReleased: Bool) throws {
        self.directory = directory
        self.temporaryDirectory = directory.appendingPathComponent("tmp", isDirectory: true)
        self.removesDirectoryWhenReleased = removesDirectoryWhenReleased
        try FileSystem.createDirectories(temporaryDirectory.path)
        sweepAbandonedTemporaryFiles()
    }

    deinit {
        if removesDirectoryWhenReleased { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Writing

    /// Starts a streamed write; append chunks, then `commit()`.
    public func beginWrite() throws -> BlobWriter {
        // The pid in the name lets a later open tell an abandoned file (its process is gone)
        // from one another live process is still writing.
        let name = "\(getpid())-\(UUID().uuidString).part"
        return try BlobWriter(temporaryPath: temporaryDirectory.appendingPathComponent(name).path, store: self)
    }

    @discardableResult
    public func write<Bytes: Sequence>(_ bytes: Bytes) throws -> StoredBlob where Bytes.Element == UInt8 {
        let writer = try beginWrite()
        let contiguous: Void? = try bytes.withContiguousStorageIfAvailable { try writer.append(UnsafeRawBufferPointer($0)) }
        if contiguous == nil { try Array(bytes).withUnsafeBytes { try writer.append($0) } }
        return try writer.commit()
    }

    // MARK: Reading

    public func contains(_ sha1: String) -> Bool { (try? size(of: sha1)) != nil }

    /// The stored length, nil when no such blob is stored.
    public func size(of sha1: String) throws -> Int64? {
        var info = stat()
        guard stat(try path(for: sha1), &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Opens a blob for streaming; nil when it is not stored.
    public func open(_ sha1: String) throws -> BlobReader? {
        let path = try path(for: sha1)
        let descriptor = openFile(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw BlobStoreError.io(operation: "open", path: path, code: errno)
        }
        return try BlobReader(descriptor: descriptor, path: path)
    }

    /// The whole content; for small files (seed data, export documents).
    public func contents(of sha1: String) throws -> [UInt8]? {
        guard let reader = try open(sha1) else { return nil }
        return try reader.read(at: 0, maxCount: Int(reader.size))
    }

    /// Every stored blob's SHA-1.
    public func storedHashes() throws -> Set<String> {
        var hashes = Set<String>()
        let fanOut = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        for prefix in fanOut where prefix.count == 2 {
            let folder = directory.appendingPathComponent(prefix).path
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) where Self.isValidHash(name) {
                hashes.insert(name)
            }
        }
        return hashes
    }

    // MARK: Removing

    /// Deletes a blob; deleting one that is not there is not an error. A reader that
    /// already opened it keeps reading (POSIX keeps an unlinked open file alive).
    public func remove(_ sha1: String) throws {
        let path = try path(for: sha1)
        if unlink(path) != 0 && errno != ENOENT {
            throw BlobStoreError.io(operation: "unlink", path: path, code: errno)
        }
    }

    /// Deletes every stored blob not in `keep`.
    public func removeAll(except keep: Set<String>) throws {
        for sha1 in try storedHashes().subtracting(keep) { try remove(sha1) }
    }

    // MARK: Paths

    public static func isValidHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    public func path(for sha1: String) throws -> String {
        guard Self.isValidHash(sha1) else { throw BlobStoreError.invalidHash(sha1) }
        return directory.appendingPathComponent(String(sha1.prefix(2))).appendingPathComponent(sha1).path
    }

    private func sweepAbandonedTemporaryFiles() {
        let folder = temporaryDirectory.path
        for name in FileSystem.entryNames(in: folder) ?? [] {
            let writerPid = name.split(separator: "-", maxSplits: 1).first.flatMap { pid_t($0) }
            // kill(pid, 0) probes without signalling; ESRCH means no such process.
            if let writerPid, kill(writerPid, 0) == 0 || errno == EPERM { continue }
            unlink(FileSystem.join(folder, name))
        }
    }
}

/// One streamed write into the blob store. Used by one thread; not Sendable.
public final class BlobWriter {
    private var descriptor: Int32
    private let temporaryPath: String
    private let store: BlobStore
    private var hasher = SHA1()
    public private(set) var byteCount: Int64 = 0

    fileprivate init(temporaryPath: String, store: BlobStore) throws {
        let descriptor = openFile(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BlobStoreError.io(operation: "create", path: temporaryPath, code: errno)
        }
        self.descriptor = descriptor
        self.temporaryPath = temporaryPath
        self.store = store
    }

    deinit { abort() }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(descriptor >= 0, "append after finish or abort")
        hasher.update(bytes)
        var written = 0
        while written < bytes.count {
            let result = writeFile(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw BlobStoreError.io(operation: "write", path: temporaryPath, code: errno)
            }
            written += result
        }
        byteCount += Int64(bytes.count)
    }

    public func append(_ data: Data) throws {
        try data.withUnsafeBytes { try append($0) }
    }

    /// Makes the bytes durable, then gives them their content address. Only after this
    /// returns may a row point at the blob.
    public func commit() throws -> StoredBlob {
        try finish().publish()
    }

    /// Makes the bytes durable and hashes them, without giving them their address yet:
    /// the caller publishes them inside the write transaction that records them, so a
    /// delete, reset or import (which touch blobs under the same writer lock) never sees
    /// a published blob whose row is not written yet, nor sweeps one in between.
    public func finish() throws -> FinishedBlob {
        precondition(descriptor >= 0, "finish after commit or abort")
        guard !store.isDurable || fsync(descriptor) == 0 else {
            let code = errno
            abort()
            throw BlobStoreError.io(operation: "fsync", path: temporaryPath, code: code)
        }
        close(descriptor)
        descriptor = -1
        return FinishedBlob(
            blob: StoredBlob(sha1: hasher.hexDigest(), size: byteCount), temporaryPath: temporaryPath, store: store)
    }

    /// Drops an unfinished write and its temporary file. Safe to call more than once.
    public func abort() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)  // after a commit the name is already gone: ENOENT, harmless
    }
}

/// The durable, hashed bytes of a write that are not at their content address yet. Used
/// by one thread; not Sendable. Dropped unpublished, its temporary file goes too.
public final class FinishedBlob {
    public let blob: StoredBlob
    private let temporaryPath: String
    private let store: BlobStore
    private var isPending = true

    fileprivate init(blob: StoredBlob, temporaryPath: String, store: BlobStore) {
        self.blob = blob
        self.temporaryPath = temporaryPath
        self.store = store
    }

    deinit { discard() }

    /// Gives the bytes their content address. The same content may already be there
    /// (same address); replacing it changes nothing.
    @discardableResult
    public func publish() throws -> StoredBlob {
        precondition(isPending, "publish after publish or discard")
        let finalPath = try store.path(for: blob.sha1)
        let folder = (finalPath as NSString).deletingLastPathComponent
        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw BlobStoreError.io(operation: "mkdir", path: folder, code: errno)
        }
        // rename(2) is atomic: readers see the old name, or the whole new file.
        guard rename(temporaryPath, finalPath) == 0 else {
            throw BlobStoreError.io(operation: "rename", path: finalPath, code: errno)
        }
        isPending = false
        // The new directory entry itself reaches the disk only when its folder is synced.
        let folderDescriptor = store.isDurable ? openFile(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
        return blob
    }

    /// Removes the temporary file of bytes that will not be published. Safe to call more
    /// than once, and after `publish` (then it does nothing).
    public func discard() {
        guard isPending else { return }
        isPending = false
        unlink(temporaryPath)
    }
}

/// An open stored blob. Reads are positional (`pread`), so one reader may serve ranges
/// to several threads; the descriptor never changes after init, hence Sendable.
public final class BlobReader: Sendable {
    private let descriptor: Int32
    public let path: String
    public let size: Int64

    fileprivate init(descriptor: Int32, path: String) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw BlobStoreError.io(operation: "fstat", path: path, code: code)
        }
        self.descriptor = descriptor
        self.path = path
        self.size = Int64(info.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `maxCount` bytes from `offset`; fewer only at the end of the file.
    public func read(at offset: Int64, maxCount: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(0, min(Int64(maxCount), size - offset)).clamped)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let result = pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset) + off_t(filled))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw BlobStoreError.io(operation: "read", path: path, code: errno)
                }
                if result == 0 { break }
                filled += result
            }
        }
        return Array(bytes.prefix(filled))
    }
}

extension Int64 {
    fileprivate var clamped: Int { Int(clamping: self) }
}

// Free functions, so the C calls are not shadowed by `BlobStore.open(_:)` and friends and
// the code needs no module-qualified name (Glibc vs Darwin).
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    open(path, flags, mode)
}

private func writeFile(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
