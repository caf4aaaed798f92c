import Foundation
import Testing

@testable import RostiAPI
import TestSupport

/// Every operation of `RostiEndpoints.all` — generated from the table, so an endpoint added
/// later is covered without anyone listing it — refuses an account that does not own what
/// it names, and changes nothing when it does. For each endpoint with a company in its path:
///
/// - `other`'s token against demo's company and demo's resource → 403;
/// - `other`'s token with other's own company and demo's resource id → 404 (the id exists,
///   but not in that company: an id guessed from another account must not leak);
/// - demo's token against other's company → 403;
///
/// with a well-formed body for the operation, so that a missing check would have let the
/// request through — which the control request, demo's token on demo's own resource,
/// shows by succeeding.
@Suite struct CrossAccountIsolationTests {
    /// demo's companies (1, 2) and other's (3), from docs/seed-data.md.
    static let demoCompany: Int64 = 1
    static let otherCompany: Int64 = 3

    /// One of demo's resources (company 1) of each kind a path's `{id}` can name, keyed by
    /// the resource's kind (`apps-action` names an app). An endpoint whose kind is missing
    /// here fails the test, so a new resource cannot go unchecked.
    static let demoResources: [String: Int64] = ["apps": 1201, "storages": 1894, "snapshots": 3101, "jobs": 4101]

    static func kind(of endpoint: Endpoint) -> String {
        String(endpoint.resource.split(separator: "-").first ?? "")
    }

    /// A body the operation would accept from an account that may use it: every form field
    /// the table declares, each with a valid value for its type.
    static func validBody(for endpoint: Endpoint) -> String? {
        guard !endpoint.formFields.isEmpty else { return nil }
        let fields = endpoint.formFields.compactMap { field -> String? in
            let value: String
            switch (field.name, field.type) {
            case ("app", _): value = "1201"
            case ("plan", _): value = "3"
            case ("password", _): value = "\"intruder-password\""
            case ("name", _): value = "\"intruder\""
            case ("image", _): value = "\"rosti/runtime:2020.03-1\""
            case ("domains", _): return nil  // defaults are valid; a fixed domain could clash
            case ("app_port", _): value = "8080"
            case (_, .choice(let choices)): value = "\"\(choices.last ?? "")\""
            case (_, .string): value = "\"intruder note\""
            case (_, .integer): value = "1"
            case (_, .boolean): value = "false"
            case (_, .array): value = "[]"
            }
            return "\"\(field.name)\": \(value)"
        }
        // A restore into an app is a body of `app` alone; one with `name` makes a new app.
        if endpoint.resource == "snapshots-restore" { return #"{"app": 1201}"# }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func path(of endpoint: Endpoint, company: Int64, id: Int64?) -> String {
        var path = endpoint.path.replacingOccurrences(of: "{company_id}", with: String(company))
        if let id { path = path.replacingOccurrences(of: "{id}", with: String(id)) }
        return path
    }

    /// The exported state without the moment of the export.
    static func state(of server: RostiTestServer) throws -> NSDictionary {
        let document = try JSONSerialization.jsonObject(with: server.tenant.state.exportState()) as? [String: Any] ?? [:]
        return document.filter { $0.key != "exported_at" } as NSDictionary
    }

    static var companyScopedEndpoints: [Endpoint] {
        RostiEndpoints.all.filter { $0.path.contains("{company_id}") }
    }

    @Test func theTableHasCompanyScopedEndpointsOfEveryKnownKind() {
        #expect(Self.companyScopedEndpoints.count >= 20)
        for endpoint in Self.companyScopedEndpoints where endpoint.path.contains("{id}") {
            #expect(Self.demoResources[Self.kind(of: endpoint)] != nil, "no seeded resource for \(endpoint.method) \(endpoint.path)")
        }
    }

    @Test(arguments: companyScopedEndpoints.map { EndpointCase(endpoint: $0) })
    func anotherAccountIsRefusedAndChangesNothing(_ endpointCase: EndpointCase) throws {
        let endpoint = endpointCase.endpoint
        let server = try RostiTestServer()
        let method = endpoint.method.rawValue
        let body = Self.validBody(for: endpoint)
        let needsID = endpoint.path.contains("{id}")
        let demoID = needsID ? Self.demoResources[Self.kind(of: endpoint)] : nil
        if needsID && demoID == nil {
            Issue.record("no seeded resource for \(method) \(endpoint.path)")
            return
        }
        let before = try Self.state(of: server)

        let attempts: [(String, String, Int)] = [
            (SeedTokens.other, Self.path(of: endpoint, company: Self.demoCompany, id: demoID), 403),
            (SeedTokens.demo, Self.path(of: endpoint, company: Self.otherCompany, id: demoID), 403),
        ] + (needsID ? [(SeedTokens.other, Self.path(of: endpoint, company: Self.otherCompany, id: demoID), 404)] : [])
        for (token, path, expected) in attempts {
            let answer = try server.send(method, path, token: token, json: body)
            let who = token == SeedTokens.demo ? "demo" : "other"
            #expect(answer.status == expected, "\(who): \(method) \(path) → \(answer.status) \(answer.text)")
            #expect(try Self.state(of: server) == before, "\(who): \(method) \(path) changed the state")
        }

        // The control: the same request by the owner goes through.
        let own = try server.send(method, Self.path(of: endpoint, company: Self.demoCompany, id: demoID), json: body)
        #expect(own.status == 200, "demo's own \(method) \(endpoint.path) → \(own.status) \(own.text)")
        #expect(server.problems.messages.isEmpty)
    }

    /// The list of companies is the one endpoint without a company: it answers the
    /// caller's own, never another account's.
    @Test func eachAccountListsOnlyItsOwnCompanies() throws {
        let server = try RostiTestServer()
        let demo = try server.json("GET", RostiPaths.companiesList)
        let other = try server.json("GET", RostiPaths.companiesList, token: SeedTokens.other)
        #expect(Set(demo.items.compactMap { $0["id"]?.int }) == [1, 2])
        #expect(other.items.compactMap { $0["id"]?.int } == [3])
    }
}

/// An endpoint as a test argument, named by its method and path in the test report.
struct EndpointCase: Sendable, CustomTestStringConvertible {
    let endpoint: Endpoint
    var testDescription: String { "\(endpoint.method.rawValue) \(endpoint.path)" }
}
