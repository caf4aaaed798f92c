import HTTP
import JSON

/// What a tenant may be called. Names reach logs, journal entries and URLs
/// (`DELETE /__admin/tenants/{name}`), so they are plain: letters, digits, `.`, `_` and `-`,
/// starting with a letter or digit (so never `.` or `..`), at most
/// `ControlPlaneLimits.tenantNameMaximumCharacters` long. Case matters.
public enum TenantName {
    /// The tenant of requests without `X-Rostra-Tenant`, backed by the database `--db` names.
    public static let defaultName = "default"
    /// What the seed view (`TenantRegistry.seedView()`) is called where a name is needed;
    /// not a tenant name, so no request can ever name it.
    public static let seedViewName = "(not made yet)"
    /// The request header that selects a tenant, on API and admin calls alike.
    public static let header = "X-Rostra-Tenant"

    /// Why `name` is not a tenant name, or `nil` when it is one.
    public static func problem(with name: String) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return "a tenant name cannot be empty" }
        guard bytes.count <= ControlPlaneLimits.tenantNameMaximumCharacters else {
            return "a tenant name has at most \(ControlPlaneLimits.tenantNameMaximumCharacters) characters"
        }
        guard isLetterOrDigit(first) else {
            return "\(JSONString.quote(name)) is not a tenant name: it must start with a letter or a digit"
        }
        guard bytes.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
            return "\(JSONString.quote(name)) is not a tenant name: only letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
