@_spi(Measurement) import Emulator
import EmulatedAPIs
import EmulatorState
import Foundation
import HTTP
import Logging
import Primitives
import Synchronization

/// Measurements of the control plane in a release build (driven by scripts/bench-control).
///
///     ControlPlaneBench timings [SEED_DIR]   median times of a tenant reset and a tenant creation
///     ControlPlaneBench stack [SEED_DIR]      CPU time per request of the stack's layers alone, called
///                                            in process (no sockets) from one thread and from two
///     ControlPlaneBench serve MODE [SEED_DIR] one listener with a trivial route, its port printed,
///                                            until stdin closes. MODE: full (the whole stack:
///                                            journal on, no fault rules), without (the stack
///                                            without the journal and fault layers), bare (the
///                                            route alone, no emulator stack)
@main
enum ControlPlaneBench {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch arguments.first {
            case "timings" where arguments.count <= 2:
                try timings(seedDirectory: seed(arguments.dropFirst(1)))
            case "stack" where arguments.count <= 2:
                try stackCost(seedDirectory: seed(arguments.dropFirst(1)))
            case "serve" where (2...3).contains(arguments.count):
                try serve(arguments[1], seedDirectory: seed(arguments.dropFirst(2)))
            default:
                throw BenchUsage()
            }
        } catch is BenchUsage {
            FileHandle.standardError.write(Data("usage: ControlPlaneBench timings [SEED_DIR] | stack [SEED_DIR] | serve bare|without|full [SEED_DIR]\n".utf8))
            exit(64)
        }
    }

    static func seed(_ rest: ArraySlice<String>) -> URL {
        URL(fileURLWithPath: rest.first ?? "seed-data", isDirectory: true)
    }

    static let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The route of the throughput comparison: no state, no body to read.
    struct TrivialService: APIService {
        let api = EmulatedAPI.rosa
        var errorRenderer: any ErrorRenderer { PlainErrorRenderer() }
        func registerRoutes(on router: inout Router) {
            let body = Array(#"{"status":"ok"}"#.utf8)
            router.add(.get, "/ping") { _ in Response(contentType: "application/json", bytes: body) }
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func milliseconds(_ work: () throws -> Void) rethrows -> Double {
        let started = MonotonicTime.now()
        try work()
        return MonotonicTime.now().since(started).milliseconds
    }

    static func timings(seedDirectory: URL) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rostra-control-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try StateStore(location: .file(folder.appendingPathComponent("bench.sqlite").path), seedDirectory: seedDirectory, schema: EmulatedAPIs.schema)
        let emulator = Emulator(defaultState: store, plugins: EmulatedAPIs.plugins, logger: quiet)
        let rounds = 50

        /// A reset after a write and an upload, so it has rows and a file to undo.
        func resetTimes(of name: String) throws -> [Double] {
            try (0..<rounds).map { round in
                let tenant = name == TenantName.defaultName ? emulator.defaultTenant : try emulator.tenants.tenant(named: name, maximumCount: 10_000)
                try tenant.state.database.write { conn in
                    try conn.execute("INSERT INTO rosti_companies (name, created) VALUES (?, 0)", ["round \(round)"])
                }
                _ = try tenant.state.blobs.write(Array("upload \(round)".utf8))
                return try milliseconds { try emulator.tenants.reset(tenant) }
            }
        }
        let fileReset = try resetTimes(of: TenantName.defaultName)
        let memoryReset = try resetTimes(of: "memory-tenant")
        let creations = try (0..<rounds).map { index in
            try milliseconds { _ = try emulator.tenants.tenant(named: "new-\(index)", maximumCount: 10_000) }
        }
        print("reset of the default tenant (file database, after a write and an upload): median \(format(median(fileReset))) ms, max \(format(fileReset.max()!)) ms")
        print("reset of a tenant (in memory, after a write and an upload): median \(format(median(memoryReset))) ms, max \(format(memoryReset.max()!)) ms")
        print("creation of a new tenant from the seed: median \(format(median(creations))) ms, max \(format(creations.max()!)) ms")
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }

    /// What the layers cost without the network around them: the same request answered by
    /// each responder, many times over, in
    /// alternating rounds, from one thread and from two (the machine's cores). Microseconds
    /// of the threads' CPU time per request, medians.
    static func stackCost(seedDirectory: URL) throws {
        let service = TrivialService()
        var bare = Router()
        service.registerRoutes(on: &bare)
        let full = Emulator(defaultState: try StateStore(location: .memory, seedDirectory: seedDirectory, schema: EmulatedAPIs.schema), plugins: EmulatedAPIs.plugins, logger: quiet)
        let without = Emulator(defaultState: try StateStore(location: .memory, seedDirectory: seedDirectory, schema: EmulatedAPIs.schema), plugins: EmulatedAPIs.plugins, logger: quiet)
        let responders: [(String, any Responder)] = [
            ("bare", bare), ("without", without.responder(for: service, leavingOut: [.journal, .faults])),
            ("full", full.responder(for: service)),
        ]
        for threads in [1, 2] {
            try measureStack(responders, threads: threads)
        }
    }

    static func measureStack(_ responders: [(String, any Responder)], threads: Int) throws {
        let iterations = 200_000
        var results: [String: [Double]] = [:]
        for round in 0..<7 {
            for (name, responder) in round % 2 == 0 ? responders : responders.reversed() {
                let elapsed = AdaptiveMutex<[Double]>([])
                let group = DispatchGroup()
                for _ in 0..<threads {
                    group.enter()
                    Thread.detachNewThread {
                        let started = threadCPUNanoseconds()
                        for index in 0..<iterations {
                            // A new request each time, its strings allocated afresh, as the
                            // connection makes them: a journal that keeps them then frees
                            // them on another thread, later, as it does in service.
                            let request = Request(
                                method: .get, target: "/ping",
                                headers: HTTPHeaders([("Host", "127.0.0.1:\(8000 + index % 2)"), ("User-Agent", "wrk/\(index % 7)")]))
                            _ = try? responder.respond(to: request)
                        }
                        let nanoseconds = Double(threadCPUNanoseconds() - started) / Double(iterations)
                        elapsed.withLock { $0.append(nanoseconds) }
                        group.leave()
                    }
                }
                group.wait()
                results[name, default: []] += elapsed.withLock { $0 }
            }
        }
        for (name, _) in responders {
            print("\(threads) thread\(threads == 1 ? "" : "s"), \(name): \(format(median(results[name]!) / 1000)) µs of CPU per request")
        }
    }

    /// CPU time of the calling thread: time it spent preempted by the machine's other work
    /// does not count.
    static func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// One listener in a process of its own, so the script can read the CPU time each one
    /// spends (a measure that the machine's other load disturbs far less than throughput).
    static func serve(_ mode: String, seedDirectory: URL) throws {
        let service = TrivialService()
        let responder: any Responder
        switch mode {
        case "bare":
            var router = Router()
            service.registerRoutes(on: &router)
            responder = router
        case "without", "full":
            let emulator = Emulator(defaultState: try StateStore(location: .memory, seedDirectory: seedDirectory, schema: EmulatedAPIs.schema), plugins: EmulatedAPIs.plugins, logger: quiet)
            responder = mode == "full" ? emulator.responder(for: service) : emulator.responder(for: service, leavingOut: [.journal, .faults])
        default:
            throw BenchUsage()
        }
        let server = try HTTPServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, name: mode), responder: responder,
            errorRenderer: service.errorRenderer, logger: quiet)
        server.start()
        // Unbuffered: the driving script reads the port from a pipe.
        FileHandle.standardOutput.write(Data("\(server.port)\n".utf8))
        while readLine() != nil {}
        server.shutdown(gracePeriod: .seconds(1))
    }

    struct BenchUsage: Error {}
}
