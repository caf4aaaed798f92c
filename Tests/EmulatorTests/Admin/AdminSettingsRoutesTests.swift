import JSON
import Testing

@testable import Emulator
import TestSupport

/// `GET/PUT /__admin/settings` and `GET/PUT /__admin/maintenance`.
@Suite struct AdminSettingsRoutesTests {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let harness = try ControlPlaneHarness()
        let settings = try harness.admin("GET", "settings")
        #expect(settings.json == [
            "rate_limit": 2000, "rate_window_s": 3600, "rate_limited_apis": ["rosa"],
            "job_durations": [
                "snapshot": ["pending_s": 1, "running_s": 3], "restore": ["pending_s": 1, "running_s": 5],
                "new_app": ["pending_s": 1, "running_s": 5],
            ],
            "language": "cs", "latency_ms": 0, "journal_size": 1000, "max_tenants": 100,
        ])
    }

    @Test func anySubsetChangesOnlyWhatItNames() throws {
        let harness = try ControlPlaneHarness()
        let changed = try harness.admin("PUT", "settings", json: [
            "rate_limit": 5, "rate_limited_apis": ["rosti", "rosa"], "language": "en",
            "job_durations": ["snapshot": ["running_s": 10.5]],
        ])
        #expect(changed.status == 200)
        #expect(changed["rate_limit"] == 5)
        #expect(changed["rate_limited_apis"] == ["rosti", "rosa"])
        #expect(changed["job_durations"]?.objectValue?["snapshot"] == ["pending_s": 1, "running_s": 10.5])
        #expect(changed["job_durations"]?.objectValue?["restore"] == ["pending_s": 1, "running_s": 5])
        #expect(changed["rate_window_s"] == 3600)
        let value = harness.emulator.settings.value
        #expect(value.rateLimit == 5)
        #expect(value.language == "en")
        #expect(value.duration(of: .snapshot) == JobDuration(pendingSeconds: 1, runningSeconds: 10.5))
    }

    static let badChanges: [(JSONValue, String)] = [
        (.object(["rate_limit": 5, "colour": "red"]), "colour"),
        (["rate_limit": 5, "rate_window_s": "3600"], "rate_window_s"),
        (["rate_limit": 5, "rate_window_s": 0], "rate_window_s"),
        (["rate_limit": 2.5], "rate_limit"),
        (["rate_limit": 5, "rate_limited_apis": ["rosa", "ftp"]], "rate_limited_apis[1]"),
        (["rate_limit": 5, "rate_limited_apis": "rosa"], "rate_limited_apis"),
        (["rate_limit": 5, "job_durations": ["rebuild": ["pending_s": 1]]], "job_durations.rebuild"),
        (["rate_limit": 5, "job_durations": ["snapshot": ["running_s": -1]]], "job_durations.snapshot.running_s"),
        (["rate_limit": 5, "job_durations": ["snapshot": ["finished_s": 1]]], "job_durations.snapshot.finished_s"),
        (["rate_limit": 5, "language": "de"], "language"),
        (["rate_limit": 5, "latency_ms": -1], "latency_ms"),
        (["rate_limit": 5, "journal_size": 10_000_000], "journal_size"),
        (["rate_limit": 5, "max_tenants": true], "max_tenants"),
        (["rate_limit": nil], "rate_limit"),
    ]

    @Test(arguments: badChanges)
    func aBadFieldIsNamedAndNothingIsApplied(change: JSONValue, field: String) throws {
        let harness = try ControlPlaneHarness()
        let refused = try harness.admin("PUT", "settings", json: change)
        #expect(refused.status == 400)
        #expect(refused["field"] == .string(field))
        #expect(harness.emulator.settings.value == EmulatorSettings())
    }

    @Test func maintenanceSwitchesOneAPIOrBoth() throws {
        let harness = try ControlPlaneHarness()
        #expect(try harness.admin("GET", "maintenance").json == ["rosti": false, "rosa": false])
        let rosa = try harness.admin("PUT", "maintenance", json: ["api": "rosa", "enabled": true])
        #expect(rosa.json == ["rosti": false, "rosa": true])
        let answered = try harness.send("GET", "/hello", api: .rosa)
        #expect(answered.status == 503)
        #expect(answered["renderer"] == "rosa")
        #expect(try harness.send("GET", "/hello", api: .rosti).status == 200)
        // Maintenance is the whole service's: every tenant sees it.
        #expect(try harness.send("GET", "/hello", api: .rosa, tenant: "someone").status == 503)
        // The admin API is not in maintenance.
        #expect(try harness.admin("GET", "settings", api: .rosa).status == 200)

        #expect(try harness.admin("PUT", "maintenance", json: ["enabled": true]).json == ["rosti": true, "rosa": true])
        #expect(try harness.admin("PUT", "maintenance", json: ["api": "both", "enabled": false]).json == ["rosti": false, "rosa": false])
        #expect(try harness.admin("PUT", "maintenance", json: ["api": "rosa"])["field"] == "enabled")
        #expect(try harness.admin("PUT", "maintenance", json: ["api": "ftp", "enabled": true])["field"] == "api")
        #expect(harness.emulator.maintenance.apisInMaintenance.isEmpty)
    }
}
