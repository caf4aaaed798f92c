import EmulatorState
import HTTP
import JSON
import Processes

/// One emulated API as the emulator's shared parts see it: its share of the state, and
/// what it adds to the admin API. The API module owns its data; the emulator reaches it
/// only through this (and the API's `APIService` on its listener), and names none of its
/// tables.
public protocol APIPlugin: Sendable {
    var api: EmulatedAPI { get }
    /// Its tables, seed, and files beside the database.
    var state: any StatePlugin { get }

    /// The JSON schema of a `POST /__admin/accounts` body that makes an account of this
    /// API (`"api"` names it); the admin API's description offers one per plug-in.
    var accountSchema: JSONValue { get }
    /// `POST /__admin/accounts` with `"api"` naming this API: makes an account in the
    /// tenant's state from what `body` gives, inventing the rest, and answers its
    /// credentials. Refuses with `AdminError` naming the field (409 for a taken one).
    func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue
    /// This API's lists in `GET /__admin/overview` of `tenant`, in the order they are shown
    /// (a column may depend on the tenant: the name that reaches its apps).
    func overviewLists(of tenant: Tenant) -> [OverviewList]
    /// Admin routes of this API, with full paths under `/__admin/` (e.g.
    /// `/__admin/jobs/{id}/complete`). The admin API is the same on every port, so they are
    /// served on every listener of the emulator, behind the admin token and tenant selection
    /// like the emulator's own; `Request.tenant()` gives the tenant the call acts on. Throw
    /// `AdminError` (or `HTTPError`) for a refusal; answers are JSON. Each route appears in
    /// `GET /__admin/openapi.json` with its `name` as the summary.
    func registerAdminRoutes(on router: inout Router, emulator: Emulator)
    /// The real programs this API's hosting plane runs and whether each is usable here
    /// (`RealPart`); may look at the machine, so callers ask once and keep the answer.
    func checkRealParts() -> [RealPart]
    /// A tenant's state was opened, replaced wholesale, or is ending: what runs for the
    /// API's rows outside the database (processes, real databases) must follow. Called
    /// after the change, on the thread that made it; long work goes to the background.
    func tenant(_ tenant: Tenant, did event: TenantEvent)
}

/// What happened to a tenant's state as a whole (`APIPlugin.tenant(_:did:)`).
public enum TenantEvent: Sendable, Equatable {
    /// The state is open for use: the default tenant's at start-up (a reused state may hold
    /// rows whose real parts are not running), a new tenant's when it is made.
    case opened
    /// Reset to the seed.
    case reset
    /// Replaced by an imported document.
    case imported
    /// Deleted: its rows are gone for good.
    case deleted
    /// The process is stopping: the state is about to be closed.
    case closing
}

extension APIPlugin {
    public func registerAdminRoutes(on router: inout Router, emulator: Emulator) {}
    public func checkRealParts() -> [RealPart] { [] }
    public func tenant(_ tenant: Tenant, did event: TenantEvent) {}
}

/// One list of `GET /__admin/overview`: a query over an API's tables, newest first.
public struct OverviewList: Sendable {
    public let name: String
    /// The table whose rows the list counts.
    public let table: String
    /// Selects the list's columns, by the names the answer gives them, newest first.
    public let query: String
    /// Columns holding JSON text, answered as JSON.
    public var jsonColumns: Set<String>

    public init(name: String, table: String, query: String, jsonColumns: Set<String> = []) {
        self.name = name
        self.table = table
        self.query = query
        self.jsonColumns = jsonColumns
    }
}
