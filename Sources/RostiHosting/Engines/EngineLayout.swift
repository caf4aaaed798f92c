/// Where one engine's files are. The data and Rostra's settings for it live under the
/// state folder (or a throwaway folder for an in-memory state); the sockets live in a short
/// private folder under /tmp, because a unix socket path holds at most 107 bytes and state
/// folders in CI can be deep.
struct EngineLayout: Sendable {
    let engine: DatabaseEngine
    /// `<state folder>/engines/<engine>`, resolved: the engine is always given real paths.
    let directory: String
    /// `<runtime folder>/<engine>`: the server's socket and the readiness socket.
    let socketDirectory: String

    var data: String { directory + "/data" }
    /// Where a new data directory is made before it is renamed into place.
    var dataBeingMade: String { directory + "/data.tmp" }
    /// The server's stdout and stderr, appended.
    var log: String { directory + "/server.log" }
    /// The port of the last start, reused at the next one when it is still free.
    var portFile: String { directory + "/port" }
    /// Which Rostra runs the server now: `<rostra pid> <server pid>`, removed at stop.
    var ownerFile: String { directory + "/rostra-owner" }
    /// Where the server reports `READY=1` (the sd_notify protocol).
    var notifySocket: String { socketDirectory + "/notify" }
    var configuration: String { directory + "/" + (engine == .pgsql ? "postgresql.conf" : "my.cnf") }
    var pidFile: String { engine == .pgsql ? data + "/postmaster.pid" : directory + "/mariadbd.pid" }
    /// MariaDB's socket file; PostgreSQL names its own in the folder (`.s.PGSQL.<port>`).
    var mariadbSocket: String { socketDirectory + "/mariadb.sock" }
}
