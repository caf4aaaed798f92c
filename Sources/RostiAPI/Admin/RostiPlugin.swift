import Emulator
import EmulatorState
import Foundation
import HTTP
import JSON
import Logging
import Processes
import RostiHosting
import Store

/// The Rosti API plugged into the emulator: its state, its accounts and overview lists in
/// the admin API, its jobs' admin routes (`JobAdminRoutes`), the database engines behind
/// its storages (`StorageHosting`, `EngineAdminRoutes`), and the apps' containers
/// (`AppContainers`, the admin API's hold on their SSH).
public struct RostiPlugin: APIPlugin {
    public let api = EmulatedAPI.rosti
    public let state: any StatePlugin = RostiState()
    /// Where storages are real databases (rows only by default).
    public let storages: StorageHosting
    /// The apps' real containers and SSH endpoints; nil: apps are rows only, and
    /// `ssh_access` says what the rows hold (the tests of the API's data alone).
    public let containers: AppContainers?

    public init(storages: StorageHosting = .rowsOnly(), containers: AppContainers? = nil) {
        self.storages = storages
        self.containers = containers
        // An app reaches the storages' database servers at the host and port the API
        // reports, from inside its own network.
        containers?.host.provideServicePorts { DatabaseEngine.allCases.compactMap { storages.server($0)?.port } }
        // A server that starts after an app's container (a new state's first storage)
        // reaches the running apps too.
        if let host = containers?.host {
            for engine in DatabaseEngine.allCases { storages.server(engine)?.onReady { [weak host] _ in host?.servicePortsChanged() } }
        }
    }

    /// The engines behind storages and the parts the apps' containers need: available with
    /// where they are, or missing with the command that installs them (nothing for the
    /// engines when Rostra runs without them, nor for containers when it runs without).
    public func checkRealParts() -> [RealPart] {
        containerParts() + (storages.engines?.parts ?? [])
    }

    public func tenant(_ tenant: Tenant, did event: TenantEvent) {
        storages.tenant(tenant, did: event)
        containersFollow(tenant, did: event)
        JobScheduler.follow(tenant, did: event, logger: Logger(label: "rostra.rosti.jobs"))
    }

    public func registerAdminRoutes(on router: inout Router, emulator: Emulator) {
        JobAdminRoutes.register(on: &router, emulator: emulator)
        EngineAdminRoutes.register(on: &router, storages: storages)
        registerContainerAdminRoutes(on: &router)
        SnapshotAdminRoutes.register(on: &router, emulator: emulator)
    }

    public var accountSchema: JSONValue {
        ["type": "object", "required": ["api"], "additionalProperties": false,
         "properties": ["api": ["const": "rosti"], "email": ["type": "string"], "name": ["type": "string"],
                        "company": ["type": "string"], "token": ["type": "string", "pattern": "^[0-9A-Za-z]{40}$"]]]
    }

    /// An account with a token and a default company named after it (or `company`).
    public func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue {
        try body.rejectUnknownKeys(["api", "email", "name", "company", "token"])
        let suffix = AccountFields.randomString(length: 8, from: AccountFields.lowercaseAndDigits)
        let email = try body.string("email", maximumLength: 254) ?? "user-\(suffix)@rostra.local"
        try AccountFields.checkEmail(email)
        let name = try body.string("name", maximumLength: 200) ?? "User \(suffix)"
        try AccountFields.checkName(name, field: "name")
        let company = try body.string("company", maximumLength: 200) ?? name
        try AccountFields.checkName(company, field: "company")
        let token = try body.string("token", maximumLength: RostiToken.length)
            ?? AccountFields.randomString(length: RostiToken.length, from: AccountFields.lettersAndDigits)
        guard RostiToken.isWellFormed(token) else {
            throw AdminError(field: "token", "a Rosti token is \(RostiToken.rule)")
        }
        let now = tenant.clock.now()
        let (accountID, companyID) = try AccountFields.translatingConflicts(["rosti_accounts.email": "email", "rosti_accounts.token": "token"]) {
            try tenant.state.database.write { conn in
                try conn.execute("INSERT INTO rosti_accounts (email, name, token, created) VALUES (?, ?, ?, ?)", [email, name, token, now])
                let accountID = conn.lastInsertedRowID
                try conn.execute("INSERT INTO rosti_companies (name, created) VALUES (?, ?)", [company, now])
                let companyID = conn.lastInsertedRowID
                try conn.execute("INSERT INTO rosti_memberships (account_id, company_id, is_default) VALUES (?, ?, 1)", [accountID, companyID])
                return (accountID, companyID)
            }
        }
        return [
            "api": "rosti", "tenant": .string(tenant.name), "id": .integer(accountID), "email": .string(email), "name": .string(name),
            "token": .string(token), "authorization": .string("Token \(token)"),
            "company": ["id": .integer(companyID), "name": .string(company)],
        ]
    }

    /// The apps list's `open` column: the app's page through the front door, by the name
    /// the front door gives it in `tenant` (`Apps.localName`), or null without a front door.
    /// App names are letters, digits, `_` and `.`, which the name turns into `-`; the
    /// tenant's label is letters, digits and `-` only, so it goes into the SQL as it is.
    private func frontDoorLink(of tenant: Tenant) -> String {
        guard let port = containers?.frontDoor?.door.port else { return "NULL AS open" }
        let suffix = Apps.localSuffix(tenant: tenant.name == TenantName.defaultName ? nil : tenant.name)
        return "'http://' || replace(replace(lower(p.name), '_', '-'), '.', '-') || '-' || p.id || '\(suffix):\(port)/' AS open"
    }

    public func overviewLists(of tenant: Tenant) -> [OverviewList] {
        [
            OverviewList(name: "accounts", table: "rosti_accounts", query: """
            SELECT a.id, a.email, a.name, a.token,
                   (SELECT json_group_array(m.company_id) FROM rosti_memberships m WHERE m.account_id = a.id) AS companies,
                   (SELECT m.company_id FROM rosti_memberships m WHERE m.account_id = a.id AND m.is_default = 1) AS default_company,
                   a.created
            FROM rosti_accounts a ORDER BY a.id DESC
            """, jsonColumns: ["companies"]),
            OverviewList(name: "companies", table: "rosti_companies", query: """
            SELECT c.id, c.name,
                   (SELECT count(*) FROM rosti_memberships m WHERE m.company_id = c.id) AS members,
                   (SELECT count(*) FROM rosti_apps p WHERE p.company_id = c.id) AS apps,
                   (SELECT count(*) FROM rosti_storages s WHERE s.company_id = c.id) AS storages,
                   (SELECT count(*) FROM rosti_snapshots s WHERE s.company_id = c.id) AS snapshots,
                   c.created
            FROM rosti_companies c ORDER BY c.id DESC
            """),
            OverviewList(name: "apps", table: "rosti_apps", query: """
            SELECT p.id, p.company_id AS company, p.name, p.image, p.enabled = 1 AS enabled, p.domains, p.mode,
                   l.name AS plan, p.created,
                   (SELECT 'ssh -p ' || c.ssh_port || ' ' || c.ssh_username || '@' || c.ssh_hostname
                    FROM rosti_app_containers c WHERE c.app_id = p.id ORDER BY c.id LIMIT 1) AS ssh,
                   \(frontDoorLink(of: tenant))
            FROM rosti_apps p LEFT JOIN rosti_plans l ON l.id = p.plan_id ORDER BY p.id DESC
            """, jsonColumns: ["domains"]),
            OverviewList(name: "storages", table: "rosti_storages", query: """
            SELECT id, company_id AS company, engine, name, username, hostname, port, note, created
            FROM rosti_storages ORDER BY id DESC
            """),
            OverviewList(name: "snapshots", table: "rosti_snapshots", query: """
            SELECT id, company_id AS company, app_id AS app, app_name, status, size, note, created
            FROM rosti_snapshots ORDER BY id DESC
            """),
        ]
    }
}
