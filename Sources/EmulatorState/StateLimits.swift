/// Every bound the emulator's state layer applies, in one place.
public enum StateLimits {
    /// Largest state document `importState(from:)` reads into memory. Export documents
    /// carry every stored file base64-encoded, so this also bounds the files' total size.
    public static let importDocumentMaximumBytes = 1 << 30
    /// Entries one `VersionedCache` keeps for one data version (answers to reads, who a
    /// credential belongs to). Each is a small JSON answer; a thousand of them is at most
    /// a few megabytes, and a test suite rarely asks more distinct reads between writes.
    public static let cachedValuesPerTenant = 1024
    /// The largest answer body an API keeps in its cache; bigger ones are computed anew.
    public static let cachedAnswerMaximumBytes = 64 * 1024
}
