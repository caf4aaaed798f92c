import HTTP
import Primitives

/// The control plane's part of every API request, as one layer: it selects the tenant,
/// journals the exchange, and applies latency and faults, in that order. One layer rather
/// than three because they share the tenant and the fault note, and passing those through
/// request storage between layers (copies of the request, a box per request, dictionary
/// look-ups) was most of what the journal cost (measured: docs/admin-api.md).
///
/// Errors from below (faults, maintenance, the service's middleware) are rendered here
/// with the API's renderer, so the journal records the status the client gets. A refused
/// tenant name is thrown before the journal: there is no tenant to journal it in.
struct ControlPlaneMiddleware: Middleware {
    let emulator: Emulator
    let renderer: any ErrorRenderer
    let journal: JournalRecorder?
    let faults: FaultInjector?
    /// The service's `isAuthenticated`: whether a request may make the tenant it names.
    let isAuthenticated: @Sendable (Request) throws -> Bool

    func respond(to request: Request, next: any Responder) throws -> Response {
        let (tenant, seedViewName) = try emulator.apiTenant(for: request, isAuthenticated: isAuthenticated)
        var request = request
        request.storage[TenantRequestKey.self] = tenant
        if let seedViewName { request.storage[SeedViewNameKey.self] = seedViewName }
        let capacity = journal == nil ? 0 : emulator.settings.journalSize
        var fault: String?
        guard let journal, capacity > 0 else {
            return try faults?.respond(to: request, tenant: tenant, next: next, fault: &fault) ?? next.respond(to: request)
        }

        let started = request.storage[RequestStartKey.self] ?? MonotonicTime.now()
        let arrivedAt = tenant.clock.now()
        var bodyPrefix: [UInt8]?
        var response: Response
        do {
            bodyPrefix = try JournalRecorder.bufferSmallBody(of: &request)
            response = try faults?.respond(to: request, tenant: tenant, next: next, fault: &fault) ?? next.respond(to: request)
        } catch {
            response = renderer.response(for: error, request: request)
        }
        let entry = journal.entry(
            request, tenantName: seedViewName ?? tenant.name, arrivedAt: arrivedAt, started: started, bodyPrefix: bodyPrefix,
            response: response, fault: fault)
        if seedViewName != nil {
            emulator.tenants.recordInSeedView(entry, capacity: capacity)
        } else {
            tenant.journal.record(entry, capacity: capacity)
        }
        emulator.tenants.reclaimJournalMemory()
        return response
    }
}
