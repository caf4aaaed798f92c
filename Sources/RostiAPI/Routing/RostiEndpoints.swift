/// Every operation of the Rosti API. The server's routes and the CoreAPI schema are both
/// made from this list.
enum RostiEndpoints {
    static let all: [Endpoint] = [
        Endpoint(.get, "/api/v1/companies/", "list", "Companies the token's account belongs to.", handle: Catalog.companies),
        Endpoint(.get, "/api/v1/{company_id}/plans/", "list", "Plans an app can have: RAM in MB, disk in GB, price in CZK a month.",
                 handle: Catalog.plans),
        Endpoint(.get, "/api/v1/{company_id}/runtimes/", "list", "Runtime images an app can run; one is the default.",
                 handle: Catalog.runtimes),

        Endpoint(.get, "/api/v1/{company_id}/apps/", "list", "The company's applications.", handle: Apps.list),
        Endpoint(.post, "/api/v1/{company_id}/apps/", "create",
                 "Creates an application; the answer carries its id and ssh_access.",
                 form: AppFields.create, handle: Apps.create),
        Endpoint(.get, "/api/v1/{company_id}/apps/{id}/", "read", "One application.", handle: Apps.read),
        Endpoint(.put, "/api/v1/{company_id}/apps/{id}/", "update",
                 "Changes an application; fields left out keep their values, read-only fields are ignored.",
                 form: AppFields.update, handle: { try Apps.update($0, partial: false) }),
        Endpoint(.patch, "/api/v1/{company_id}/apps/{id}/", "partial_update", "Changes the fields given.",
                 form: AppFields.update.map(\.optional), handle: { try Apps.update($0, partial: true) }),
        Endpoint(.delete, "/api/v1/{company_id}/apps/{id}/", "delete", "Deletes an application; answers {}.",
                 handle: Apps.delete),
        Endpoint(.put, "/api/v1/{company_id}/apps-action/{id}/", "update",
                 "Starts, stops, restarts or rebuilds the application's container; answers the app.",
                 form: [SchemaField("action", .form, required: true, .choice(Apps.Action.allCases.map(\.rawValue)),
                                    "stop disables the app; start, restart and rebuild leave it enabled.")],
                 handle: Apps.act),
        Endpoint(.get, "/api/v1/{company_id}/apps-status/{id}/", "read",
                 "Whether the application runs, and its storage and memory use against its plan.", handle: Apps.status),

        Endpoint(.get, "/api/v1/{company_id}/storages/", "list", "The company's databases.", handle: Storages.list),
        Endpoint(.post, "/api/v1/{company_id}/storages/", "create",
                 "Creates a MariaDB or PostgreSQL database; its name and user name are generated.",
                 form: StorageFields.create, handle: Storages.create),
        Endpoint(.get, "/api/v1/{company_id}/storages/{id}/", "read", "One database.", handle: Storages.read),
        Endpoint(.patch, "/api/v1/{company_id}/storages/{id}/", "partial_update", "Changes the note (or the password).",
                 form: StorageFields.change, handle: Storages.update),
        Endpoint(.delete, "/api/v1/{company_id}/storages/{id}/", "delete", "Deletes a database; answers {}.",
                 handle: Storages.delete),
        Endpoint(.put, "/api/v1/{company_id}/storages-password/{id}/", "update",
                 "Sets the database's password; answers the storage (never the password).",
                 form: [StorageFields.password(required: true)], handle: Storages.changePassword),

        Endpoint(.get, "/api/v1/{company_id}/snapshots/", "list", "Snapshots of the company's applications.",
                 handle: Snapshots.list),
        Endpoint(.post, "/api/v1/{company_id}/snapshots/", "create",
                 "Takes a snapshot of an application's data; answers the job that takes it.",
                 form: [
                     SchemaField("app", .form, required: true, .integer, "The application to snapshot."),
                     SchemaField("note", .form, .string, "Free text, at most 255 characters."),
                 ],
                 handle: Snapshots.create),
        Endpoint(.get, "/api/v1/{company_id}/snapshots/{id}/", "read", "One snapshot.", handle: Snapshots.read),
        Endpoint(.delete, "/api/v1/{company_id}/snapshots/{id}/", "delete", "Deletes a snapshot; answers {}.",
                 handle: Snapshots.delete),
        Endpoint(.put, "/api/v1/{company_id}/snapshots-restore/{id}/", "update",
                 "Restores a ready snapshot into an application (app), or into a new one (name, plan); answers the job.",
                 form: [
                     SchemaField("app", .form, .integer, "Restore into this application."),
                     SchemaField("name", .form, .string, "Create a new application of this name instead."),
                     SchemaField("plan", .form, .integer, "The new application's plan; Start+ when left out."),
                 ],
                 handle: Snapshots.restore),

        Endpoint(.get, "/api/v1/{company_id}/jobs/", "list", "The company's asynchronous jobs.",
                 query: [SchemaField("status", .query, .choice(JobEngine.Status.allCases.map(\.rawValue)),
                                     "Only jobs in this status.")],
                 handle: Jobs.list),
        Endpoint(.get, "/api/v1/{company_id}/jobs/{id}/", "read", "One job: status, progress, message, times.",
                 handle: Jobs.read),
    ]
}

/// The body fields of apps, as the schema declares them.
enum AppFields {
    static let update: [SchemaField] = [
        SchemaField("name", .form, required: true, .string, "Letters, digits, _ and . only."),
        SchemaField("enabled", .form, .boolean, "false stops the application."),
        SchemaField("image", .form, .string, "A runtime image (v1 > runtimes > list); the default runtime when left out."),
        SchemaField("domains", .form, .array, "Domain names; <name>-<id>.rostiapp.cz when left out."),
        SchemaField("mode", .form, .choice(AppStore.modes), "https+le (HTTPS with Let's Encrypt) or http."),
        SchemaField("plan", .form, .integer, "A plan id (v1 > plans > list); Start+ when left out."),
        SchemaField("ssh_keys", .form, .array, "Public SSH keys allowed into the containers."),
    ]

    static let create = update + [
        SchemaField("app_port", .form, .integer, "The port the application listens on, 8080 when left out; set at creation only.")
    ]
}

/// The body fields of storages.
enum StorageFields {
    static func password(required: Bool) -> SchemaField {
        SchemaField("password", .form, required: required, .string, "At least 8 characters; never returned.")
    }

    static let note = SchemaField("note", .form, .string, "Free text; the generated name is made from it.")

    static let create: [SchemaField] = [
        SchemaField("engine", .form, required: true, .choice(Storages.Engine.allCases.map(\.rawValue)), "mariadb or pgsql."),
        password(required: true),
        note,
    ]

    static let change: [SchemaField] = [note, password(required: false)]
}
