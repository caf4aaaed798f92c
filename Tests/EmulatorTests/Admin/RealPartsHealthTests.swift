import EmulatedAPIs
import EmulatorState
import Foundation
import JSON
import HTTP
import Logging
import Processes
import Synchronization
import Testing

@testable import Emulator

/// Real parts a plug-in's hosting plane needs but the machine lacks: health lists them with
/// the install command and stays ok (the APIs work without them).
@Suite struct RealPartsHealthTests {
    struct PartsPlugin: APIPlugin {
        let real: any APIPlugin
        let parts: [RealPart]

        var api: EmulatedAPI { real.api }
        var state: any StatePlugin { real.state }
        var accountSchema: JSONValue { real.accountSchema }
        func overviewLists(of tenant: Tenant) -> [OverviewList] { real.overviewLists(of: tenant) }
        func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue { try real.createAccount(body, in: tenant) }
        func checkRealParts() -> [RealPart] { parts }
    }

    struct Service: APIService {
        let api = EmulatedAPI.rosti
        var errorRenderer: any ErrorRenderer { PlainErrorRenderer() }
        func registerRoutes(on router: inout Router) {}
    }

    func health(with parts: [RealPart]) throws -> (HTTPStatus, String) {
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let plugins = EmulatedAPIs.plugins.enumerated().map { index, plugin in
            PartsPlugin(real: plugin, parts: index == 0 ? parts : [])
        }
        let emulator = Emulator(defaultState: store, plugins: plugins, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let response = try emulator.responder(for: Service()).respond(to: Request(method: .get, target: "/__admin/health"))
        guard case .bytes(let bytes) = response.body else { return (response.status, "") }
        return (response.status, String(decoding: bytes, as: UTF8.self))
    }

    @Test func nothingMissingLeavesTheAnswerAsItWas() throws {
        let parts = [RealPart(name: "OpenSSH server", neededFor: "app containers", availability: .available(detail: "/usr/sbin/sshd"))]
        let (status, body) = try health(with: parts)
        #expect(status == .ok)
        #expect(body == #"{"status":"ok","version":"\#(RostraVersion.string)","api":"rosti"}"#)
    }

    @Test func aMissingPartIsNamedWithItsInstallCommandAndHealthStaysOk() throws {
        let parts = [
            RealPart(name: "PostgreSQL", neededFor: "storages of engine pgsql", availability: .missing(install: "apt-get install -y postgresql")),
            RealPart(name: "bubblewrap", neededFor: "app containers", availability: .refused(
                reason: "unprivileged user namespaces are off", remedy: "sysctl kernel.unprivileged_userns_clone=1")),
        ]
        let (status, body) = try health(with: parts)
        #expect(status == .ok)
        #expect(body == #"{"status":"ok","version":"\#(RostraVersion.string)","api":"rosti","missing":[{"part":"PostgreSQL","needed_for":"storages of engine pgsql","install":"apt-get install -y postgresql"},{"part":"bubblewrap","needed_for":"app containers","problem":"unprivileged user namespaces are off","remedy":"sysctl kernel.unprivileged_userns_clone=1"}]}"#)
    }

    /// A plug-in whose look at the machine takes until `release` is signalled.
    struct SlowPartsPlugin: APIPlugin {
        let real: any APIPlugin
        let parts: [RealPart]
        let started: DispatchSemaphore
        let release: DispatchSemaphore
        var api: EmulatedAPI { real.api }
        var state: any StatePlugin { real.state }
        var accountSchema: JSONValue { real.accountSchema }
        func overviewLists(of tenant: Tenant) -> [OverviewList] { real.overviewLists(of: tenant) }
        func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue { try real.createAccount(body, in: tenant) }
        func checkRealParts() -> [RealPart] {
            started.signal()
            release.wait()
            return parts
        }
    }

    /// Where the host looks at the parts itself (rostra serve, after its banner), health
    /// answers at once while the look runs, and names what is missing once it is known.
    @Test func healthDoesNotWaitForTheHostsLook() throws {
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let missing = RealPart(name: "bubblewrap", neededFor: "app containers", availability: .missing(install: "apt-get install -y bubblewrap"))
        let plugins: [any APIPlugin] = EmulatedAPIs.plugins.enumerated().map { index, plugin in
            index == 0 ? SlowPartsPlugin(real: plugin, parts: [missing], started: started, release: release) as any APIPlugin : PartsPlugin(real: plugin, parts: [])
        }
        let emulator = Emulator(
            defaultState: store, plugins: plugins, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            realPartsLookedAtByHost: true)
        let responder = emulator.responder(for: Service())
        @Sendable func health() throws -> String {
            let response = try responder.respond(to: Request(method: .get, target: "/__admin/health"))
            guard case .bytes(let bytes) = response.body else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
        let looked = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = emulator.realParts
            looked.signal()
        }
        started.wait()
        let answered = DispatchSemaphore(value: 0)
        let during = Mutex<String?>(nil)
        Thread.detachNewThread {
            let body = try? health()
            during.withLock { $0 = body }
            answered.signal()
        }
        let inTime = answered.wait(timeout: .now() + 5) == .success
        release.signal()
        looked.wait()
        if !inTime { answered.wait() }
        #expect(inTime, "health waited for the look at the machine")
        #expect(during.withLock { $0 } == #"{"status":"ok","version":"\#(RostraVersion.string)","api":"rosti"}"#)
        #expect(try health().contains(#""missing":[{"part":"bubblewrap","needed_for":"app containers","install":"apt-get install -y bubblewrap"}]"#))
    }
}
