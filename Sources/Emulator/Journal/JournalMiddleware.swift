import HTTP
import Synchronization

/// What layers under the journal tell it about the exchange (today: the fault that shaped
/// the answer). A request is a value passed down, so they write into this shared box.
final class ExchangeNotes: Sendable {
    private let faults = Mutex<[String]>([])

    func addFault(_ note: String) { faults.withLock { $0.append(note) } }

    var fault: String? {
        let notes = faults.withLock { $0 }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }
}

enum ExchangeNotesKey: RequestStorageKey {
    typealias Value = ExchangeNotes
}

/// Records every API request in its tenant's journal: what arrived, what was answered, how
/// long it took. It sits right under tenant selection and renders errors from the layers
/// under it with the API's renderer, so it knows the status the client gets — faults and
/// maintenance included. With `journal_size` 0 it steps aside entirely.
struct JournalMiddleware: Middleware {
    let api: EmulatedAPI
    let renderer: any ErrorRenderer
    let settings: SettingsStore
    let sequence: JournalSequence

    func respond(to request: Request, next: any Responder) throws -> Response {
        let capacity = settings.read { $0.journalSize }
        guard capacity > 0 else { return try next.respond(to: request) }
        let tenant = try request.tenant()
        let started = request.storage[RequestStartKey.self] ?? MonotonicTime.now()
        let arrivedAt = tenant.clock.now()
        let notes = ExchangeNotes()
        var request = request
        request.storage[ExchangeNotesKey.self] = notes

        var bodyPrefix: [UInt8]?
        var response: Response
        do {
            bodyPrefix = try Self.bufferSmallBody(of: &request)
            response = try next.respond(to: request)
        } catch {
            response = renderer.response(for: error, request: request)
        }

        let outcome: JournalEntry.Outcome
        switch response.transport {
        case .http: outcome = .answered(status: response.status.code)
        case .dropConnection: outcome = .dropped
        case .raw: outcome = .garbage
        }
        let (headers, truncated) = JournalHeaders.capture(request.headers)
        tenant.journal.record(
            JournalEntry(
                id: sequence.next(), time: arrivedAt, api: api, tenant: tenant.name,
                method: request.method.rawValue,
                path: request.path.truncatedToUTF8(ControlPlaneLimits.journalTargetBytes),
                query: request.query?.truncatedToUTF8(ControlPlaneLimits.journalTargetBytes),
                headers: headers, headersTruncated: truncated,
                bodySize: request.body.declaredLength ?? request.body.bytesRead, bodyPrefix: bodyPrefix,
                outcome: outcome, durationMilliseconds: MonotonicTime.now().since(started).milliseconds,
                fault: notes.fault),
            capacity: capacity)
        return response
    }

    /// A small body with a declared length is read now and handed on from memory, so the
    /// journal can keep its beginning without a hook in the stream; a large or chunked one
    /// streams untouched. A client that sent `Expect: 100-continue` is left waiting for the
    /// handler's decision, as it asked.
    static func bufferSmallBody(of request: inout Request) throws -> [UInt8]? {
        guard let declared = request.body.declaredLength, declared > 0,
              declared <= ControlPlaneLimits.journalBufferedBodyMaximumBytes,
              !request.headers.contains("Expect") else { return nil }
        let bytes = try request.body.collect(upTo: Int(declared))
        request.body = RequestBody(bytes: bytes)
        return Array(bytes.prefix(ControlPlaneLimits.journalBodyPrefixBytes))
    }
}

/// Numbers journal entries across the whole emulator.
final class JournalSequence: Sendable {
    private let last = Atomic<Int>(0)

    func next() -> Int { last.add(1, ordering: .relaxed).newValue }
}
