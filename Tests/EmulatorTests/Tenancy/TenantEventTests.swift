import EmulatedAPIs
import EmulatorState
import Foundation
import JSON
import Logging
import Synchronization
import Testing

@testable import Emulator

/// What plug-ins are told about tenants' states as wholes (`APIPlugin.tenant(_:did:)`), so
/// that what runs outside the database (processes, real databases) follows the rows.
@Suite struct TenantEventTests {
    final class Recorder: Sendable {
        let events = Mutex<[String]>([])
    }

    /// A real plug-in that also records every event it is told.
    struct RecordingPlugin: APIPlugin {
        let real: any APIPlugin
        let recorder: Recorder

        var api: EmulatedAPI { real.api }
        var state: any StatePlugin { real.state }
        var accountSchema: JSONValue { real.accountSchema }
        func overviewLists(of tenant: Tenant) -> [OverviewList] { real.overviewLists(of: tenant) }
        func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue { try real.createAccount(body, in: tenant) }

        func tenant(_ tenant: Tenant, did event: TenantEvent) {
            recorder.events.withLock { $0.append("\(api.rawValue) \(tenant.name) \(event)") }
        }
    }

    @Test func everyWholeChangeOfATenantsStateIsAnnouncedToEveryPlugin() throws {
        let recorder = Recorder()
        let store = try StateStore(location: .memory, seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let emulator = Emulator(
            defaultState: store, plugins: EmulatedAPIs.plugins.map { RecordingPlugin(real: $0, recorder: recorder) },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let tenant = try emulator.tenants.tenant(named: "t1", maximumCount: 10)
        _ = try emulator.tenants.tenant(named: "t1", maximumCount: 10)  // exists: no second announcement
        try emulator.tenants.reset(tenant)
        try emulator.tenants.importState(Array(try tenant.state.exportState()), into: tenant)
        try emulator.tenants.delete(named: "t1")
        try emulator.close()
        let expected = [
            "opened", "t1 opened", "t1 reset", "t1 imported", "t1 deleted", "default closing",
        ].flatMap { event -> [String] in
            let (name, what) = event.contains(" ") ? (String(event.split(separator: " ")[0]), String(event.split(separator: " ")[1])) : ("default", event)
            return ["rosti \(name) \(what)", "rosa \(name) \(what)"]
        }
        #expect(recorder.events.withLock { $0 } == expected)
    }
}
