import HTTP
import Primitives
import Synchronization

/// Writes one API exchange into its tenant's journal: what arrived, what was answered, how
/// long it took. Used by `ControlPlaneMiddleware`, which knows the answer the client gets —
/// faults and maintenance included — because it renders errors from below itself.
struct JournalRecorder: Sendable {
    let api: EmulatedAPI
    let sequence: JournalSequence

    /// The entry of one exchange of `tenantName`'s (the tenant's, or for a request served
    /// from the seed view, the name it gave).
    func entry(
        _ request: Request, tenantName: String, arrivedAt: Double, started: MonotonicTime,
        bodyPrefix: [UInt8]?, response: Response, fault: String?
    ) -> JournalEntry {
        let outcome: JournalEntry.Outcome
        switch response.transport {
        case .http: outcome = .answered(status: response.status.code)
        case .dropConnection: outcome = .dropped
        case .raw: outcome = .garbage
        }
        let (headers, truncated) = JournalHeaders.capture(request.headers)
        return JournalEntry(
            id: sequence.next(), time: arrivedAt, api: api, tenant: tenantName,
            method: request.method.rawValue,
            path: request.path.truncatedToUTF8(ControlPlaneLimits.journalTargetBytes),
            query: request.query?.truncatedToUTF8(ControlPlaneLimits.journalTargetBytes),
            headers: headers, headersTruncated: truncated,
            bodySize: request.body.declaredLength ?? request.body.bytesRead,
            bodyPrefix: bodyPrefix.map(JournalBody.redactingSecrets),
            outcome: outcome, durationMilliseconds: MonotonicTime.now().since(started).milliseconds,
            fault: fault)
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
