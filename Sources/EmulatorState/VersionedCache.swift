import Primitives
import Store

/// Values computed from a tenant's database — an API's answer to a read, who a credential
/// belongs to — kept until the data may have changed, so a read that was already answered
/// costs a dictionary lookup instead of a transaction and several queries.
///
/// Every entry is tagged with the `DataVersion` taken *before* its value was computed, and
/// only entries of the database's current version are ever handed out: any write (through
/// this process or another one) moves the version on and every older entry is dropped at
/// the next `remember`. So a hit is always what computing the value again would give, as
/// long as the value depends on nothing but the database and the key — callers keep
/// anything else (the clock, settings that are not in the key) out of what they store.
public final class VersionedCache<Value: Sendable>: Sendable {
    private struct Entries: Sendable {
        var version: DataVersion?
        var values: [String: Value] = [:]
    }

    /// Read by every cached request; written once per miss.
    private let entries = ReadWriteLock(Entries())
    private let capacity: Int

    /// `capacity`: the most entries kept for one version; a full cache starts over rather
    /// than tracking use, since a version rarely lives long enough to need better.
    public init(capacity: Int = StateLimits.cachedValuesPerTenant) {
        self.capacity = capacity
    }

    /// The value remembered for `key` at `version`, if any.
    public func value(for key: String, at version: DataVersion) -> Value? {
        entries.read { $0.version == version ? $0.values[key] : nil }
    }

    /// Keeps `value`, computed from the data as of `version`. A value of an older version
    /// than the entries kept now (a slow read that began before a write) is not kept.
    public func remember(_ value: Value, for key: String, at version: DataVersion) {
        entries.write { entries in
            if entries.version != version {
                if let current = entries.version, version.precedes(current) { return }
                entries = Entries(version: version)
            } else if entries.values.count >= capacity {
                entries.values.removeAll(keepingCapacity: true)
            }
            entries.values[key] = value
        }
    }

    /// The value for `key` at the database's current version: remembered, or computed by
    /// `compute` (which says whether its value may be kept) and then remembered.
    public func value(
        for key: String, in database: Database, compute: () throws -> (value: Value, keep: Bool)
    ) rethrows -> Value {
        let version = database.dataVersion()
        if let remembered = value(for: key, at: version) { return remembered }
        let computed = try compute()
        if computed.keep { remember(computed.value, for: key, at: version) }
        return computed.value
    }
}
