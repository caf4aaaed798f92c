import EmulatedAPIs
import EmulatorState
import Foundation
import JSON
import HTTP
import Logging
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
        var overviewLists: [OverviewList] { real.overviewLists }
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
}
