// swift-tools-version: 6.0
// Rostra: a local emulator of the Rosti API and the Rosa File Store API.
// Swift 6 language mode (the default for tools version 6.0), strict concurrency.
import PackageDescription

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

let package = Package(
    name: "Rostra",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rostra", targets: ["rostra"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // What every module may use and none owns: the project's locks, the monotonic clock.
        .target(name: "Primitives"),
        // The one JSON value type, its CPython-exact parser and the writers of every JSON
        // format Rostra serves; depends on nothing.
        .target(name: "JSON"),
        // The HTTP/1.1 engine on POSIX sockets; knows nothing of Rosti or Rosa.
        // TLS listeners use the system OpenSSL (COpenSSL, CTLS).
        .target(name: "HTTP", dependencies: ["Primitives", "CLinux", "JSON", "COpenSSL", "CTLS", logging]),
        // The emulator's state without HTTP: one SQLite database for every API plug-in's
        // tables, the seed template, reset, export and import, and the plug-in protocol an
        // API implements to own its data. Names no table of any API.
        // SHA-1 (with the processor's instructions, CSHA1) is the document's file identity.
        .target(name: "EmulatorState", dependencies: ["Primitives", "Store", "JSON", "CSHA1"]),
        // The shared control plane: tenants, clock, faults, journal, settings, the admin API
        // and dashboard, the API plug-in protocol on the HTTP side. Names no table either.
        // The dashboard's page, style sheet and script are files, embedded at build time
        // (`PackageResources`): the executable needs no resource bundle beside it.
        .target(
            name: "Emulator",
            dependencies: ["Primitives", "HTTP", "JSON", "Store", "EmulatorState", "Processes", logging],
            resources: [
                .embedInCode("Admin/Dashboard/dashboard.html"),
                .embedInCode("Admin/Dashboard/dashboard.css"),
                .embedInCode("Admin/Dashboard/dashboard.js"),
            ]
        ),
        // SHA-1 blocks with the processor's SHA instructions, for hashing uploads at the
        // speed the disk takes them (the portable rounds are in EmulatorState's SHA1.swift).
        .target(name: "CSHA1", path: "Sources/CSHA1"),
        // The system libsqlite3 (Debian: libsqlite3-dev); no pkg-config file is needed.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The system OpenSSL 3 (Debian: libssl-dev): libssl for the TLS listeners, libcrypto
        // for the local certificate authority's certificates.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // What Swift cannot call in OpenSSL (macros, callbacks, variadic X.509 calls): the
        // TLS context's set-up and the making and reading of certificates, in C.
        .target(
            name: "CTLS", dependencies: ["COpenSSL"], path: "Sources/CTLS",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        // <malloc.h> (malloc_trim) and <sys/epoll.h>, which the Glibc module leaves out.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // fork/exec with a death signal, an identity switch and exact descriptors, which
        // posix_spawn cannot do; and pidfd_open.
        .target(name: "CProcess", path: "Sources/CProcess"),
        // Child processes (sshd, supervisord, database servers) started and reaped by one
        // watcher thread, so they end with Rostra and never linger as zombies; and
        // `RealPart`, whether such a program is here, which the emulator's banner, health
        // and dashboard report for every plug-in.
        .target(name: "Processes", dependencies: ["CProcess", "CLinux", "Primitives"]),
        // A small typed wrapper over the sqlite3 C API; knows nothing of Rosti or Rosa.
        .target(name: "Store", dependencies: ["CSQLite"]),
        // The Rosa File Store API plug-in: its tables and seed, the blob store and SHA-1,
        // handlers, multipart parsing.
        .target(name: "RosaFileStore", dependencies: ["Emulator", "EmulatorState", "HTTP", "JSON", "Primitives", "Store", "CSHA1", logging]),
        // The Rosti API plug-in: its tables and seed; companies, apps, storages, snapshots,
        // jobs, the CoreAPI schema. Its browser page, the page's script and the CoreAPI
        // JavaScript client are files, embedded at build time like the dashboard's.
        .target(
            name: "RostiAPI",
            dependencies: ["Emulator", "EmulatorState", "HTTP", "JSON", "Primitives", "RostiHosting", "Store", logging],
            resources: [
                .embedInCode("Schema/api-page.html"),
                .embedInCode("Schema/try-it.js"),
                .embedInCode("Schema/coreapi-0.1.1.js"),
            ]
        ),
        // The hosting plane behind the Rosti API: app containers with SSH endpoints and
        // processes, the front door, storages on real database engines. Real programs from
        // the machine (bubblewrap, OpenSSH, supervisord, PostgreSQL, MariaDB), started and
        // watched through Processes.
        // The files an app container is made of (its boot script, sshd and supervisord
        // configs, `rosti`, `crontab`, the example apps) are files, embedded at build time.
        .target(
            name: "RostiHosting",
            dependencies: ["COpenSSL", "Processes", "Primitives", "CLinux", logging],
            resources: [
                .embedInCode("Containers/Sandbox/init.sh"),
                .embedInCode("Containers/Sandbox/crontab.sh"),
                .embedInCode("Containers/Sandbox/supervisorctl.sh"),
                .embedInCode("Containers/Sandbox/rosti.sh"),
                .embedInCode("Containers/Sandbox/sshd_config"),
                .embedInCode("Containers/Sandbox/supervisord.conf"),
                .embedInCode("Containers/Sandbox/nginx.conf"),
                .embedInCode("Containers/Sandbox/nginx-default.conf"),
                .embedInCode("Containers/Sandbox/nginx-supervisor.conf"),
                .embedInCode("Containers/Sandbox/welcome.html"),
                .embedInCode("Containers/Sandbox/bashrc"),
                .embedInCode("Containers/Sandbox/bash_profile"),
                .embedInCode("Containers/Sandbox/example-python-app.py"),
                .embedInCode("Containers/Sandbox/example-python-supervisor.conf"),
                .embedInCode("Containers/Sandbox/example-node-index.js"),
                .embedInCode("Containers/Sandbox/example-node-package.json"),
                .embedInCode("Containers/Sandbox/example-node-supervisor.conf"),
            ]
        ),
        // The APIs Rostra emulates, as the list of their plug-ins: what the executable and
        // the tests of the whole emulator wire up.
        .target(name: "EmulatedAPIs", dependencies: ["Emulator", "EmulatorState", "RosaFileStore", "RostiAPI"]),
        // The command line: option tables that drive parsing, environment fallbacks and
        // --help (in place of swift-argument-parser, whose reflection cost the cold start).
        .target(name: "Arguments"),
        .executableTarget(
            name: "rostra",
            dependencies: ["Arguments", "HTTP", "JSON", "Emulator", "EmulatorState", "EmulatedAPIs", "RosaFileStore", "RostiAPI", "RostiHosting", "Processes", logging],
            // A position-dependent executable: a PIE of this size (Foundation, the Swift
            // runtime) makes the dynamic loader apply some 78,000 relative relocations at
            // every start, most of the time to the first 200 (docs/performance.md).
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux]))]
        ),
        // What every test target shares: a raw HTTP client, log capture, waiting, scratch folders.
        .target(name: "TestSupport", dependencies: ["HTTP", "Primitives", "COpenSSL", "CTLS", logging], path: "Tests/TestSupport"),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Primitives", "TestSupport", "COpenSSL"]),
        .testTarget(name: "ArgumentsTests", dependencies: ["Arguments"]),
        .testTarget(name: "ProcessesTests", dependencies: ["Processes", "TestSupport"]),
        .testTarget(
            name: "RostiHostingTests", dependencies: ["RostiHosting", "Processes", "TestSupport", "HTTP", logging],
            exclude: ["FrontDoor/upstream.py"]
        ),
        // A child process for the crash-durability test and a benchmark of the state layer.
        .executableTarget(
            name: "StateHarness",
            dependencies: ["Store", "EmulatorState", "EmulatedAPIs", "RosaFileStore", "Primitives"],
            path: "Tests/StateHarness"
        ),
        .testTarget(name: "StoreTests", dependencies: ["Store", "StateHarness", "TestSupport"]),
        // Times tenant reset and creation and serves the throughput comparison of the
        // control plane (scripts/bench-control).
        .executableTarget(
            name: "ControlPlaneBench",
            dependencies: ["Emulator", "EmulatorState", "EmulatedAPIs", "RosaFileStore", "HTTP", "Primitives", logging],
            path: "Tests/ControlPlaneBench"
        ),
        // The control plane's tests use the real plug-ins: the admin API's accounts,
        // overview, export and reset are about both APIs' data as a user sees it.
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator", "EmulatorState", "EmulatedAPIs", "RosaFileStore", "RostiAPI", "Store", "HTTP", "Primitives", "Processes", "TestSupport"]),
        // End-to-end through real listeners, and the built `rostra` for memory measurements.
        .testTarget(name: "RosaFileStoreTests", dependencies: ["RosaFileStore", "Emulator", "EmulatorState", "EmulatedAPIs", "HTTP", "Primitives", "Store", "rostra", "TestSupport", logging]),
        .testTarget(name: "RostiAPITests", dependencies: ["RostiAPI", "RostiHosting", "Emulator", "EmulatorState", "EmulatedAPIs", "HTTP", "Primitives", "Store", "TestSupport", "Processes", logging]),
        // Runs the built executable as a user does. Store and Emulator read the state file
        // a killed server left behind (integrity check, rows against blob files, SHA-1).
        .testTarget(
            name: "RostraTests",
            dependencies: ["rostra", "TestSupport", "HTTP", "Primitives", "Store", "Emulator", "EmulatorState", "EmulatedAPIs", "RosaFileStore"],
            exclude: ["BadInput/catalogue.json"]
        ),
    ]
)
