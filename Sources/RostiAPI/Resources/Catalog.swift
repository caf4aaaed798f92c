import HTTP

/// The account's companies, and the platform's plans and runtimes.
enum Catalog {
    /// `GET /api/v1/companies/`: the companies the token's account belongs to.
    static func companies(_ call: RostiCall) throws -> Response {
        call.ok(try call.readAsAccount { conn, account in
            .array(try conn.fetchAll(
                """
                SELECT c.id, c.name FROM rosti_companies c JOIN rosti_memberships m ON m.company_id = c.id
                WHERE m.account_id = ? ORDER BY c.id
                """, [account]
            ).map { row in ["id": .integer(try row["id"] as Int64), "name": .string(try row["name"])] })
        })
    }

    /// RAM in MB, disk in GB, price in CZK a month, CPU quota in % of a core.
    static func plans(_ call: RostiCall) throws -> Response {
        call.ok(try call.readInCompany { conn, _ in
            .array(try conn.fetchAll("SELECT id, name, ram_mb, disk_gb, price, cpu_quota FROM rosti_plans ORDER BY id").map { row in
                [
                    "id": .integer(try row["id"] as Int64), "name": .string(try row["name"]),
                    "ram": .integer(try row["ram_mb"] as Int64), "disk": .integer(try row["disk_gb"] as Int64),
                    "price": .integer(try row["price"] as Int64), "cpu_quota": .integer(try row["cpu_quota"] as Int64),
                ]
            })
        })
    }

    /// Every runtime, hidden ones (`show: false`) included: existing apps may still run them.
    static func runtimes(_ call: RostiCall) throws -> Response {
        call.ok(try call.readInCompany { conn, _ in
            .array(try conn.fetchAll("SELECT id, image, is_default, is_shown FROM rosti_runtimes ORDER BY id").map { row in
                [
                    "id": .integer(try row["id"] as Int64), "image": .string(try row["image"]),
                    "default": .bool(try row["is_default"]), "show": .bool(try row["is_shown"]),
                ]
            })
        })
    }
}
