/// Every text the Rosti API shows, in English and Czech side by side: one table.
///
/// The DRF texts are DRF's own, and the Czech ones are DRF's Czech locale
/// (`rest_framework/locale/cs/LC_MESSAGES/django.po`). Where that locale leaves a text
/// untranslated (`Must be a valid boolean.`, `Not a valid string.`, list lengths, the
/// throttling wait), Django shows the English text in Czech answers too, and so do we.
/// Texts marked "ours" are the emulator's, for cases the reference leaves open.
enum Message: Sendable, Equatable {
    // Authentication and permissions (DRF).
    case notAuthenticated
    case invalidToken
    case tokenHeaderWithoutCredentials
    case tokenHeaderWithSpaces
    case tokenHeaderWithInvalidCharacters
    case permissionDenied
    // Requests (DRF, Django).
    case notFound
    case methodNotAllowed(method: String)
    case jsonParseError(reason: String)
    case unsupportedMediaType(String)
    case notAcceptable
    case malformedRequest
    case serverError
    case serviceUnavailable
    case throttled(waitSeconds: Int?)
    // What the HTTP engine refuses before a request reaches Rosti (ours).
    case requestTimeout
    case bodyTooLarge
    case uriTooLong
    case expectationFailed
    case headerFieldsTooLarge
    case notImplemented
    case httpVersionNotSupported
    case otherStatus(reasonPhrase: String)
    // Field validation (DRF).
    case required
    case null
    case blank
    case notAString
    case invalidInteger
    case integerStringTooLong
    case invalidBoolean
    case maximumLength(Int)
    case minimumLength(Int)
    case maximumValue(Int64)
    case minimumValue(Int64)
    case invalidChoice(input: String)
    case notAList(inputType: String)
    case tooManyItems(Int)
    case patternMismatch
    case primaryKeyDoesNotExist(value: String)
    case primaryKeyIncorrectType(dataType: String)
    case slugDoesNotExist(field: String, value: String)
    case invalidValue
    case notADictionary(dataType: String)
    case noDataProvided
    // Validation the reference leaves to us (ours).
    case snapshotNotReady
    case restoreTargetAmbiguous
    // Job progress and outcomes (ours).
    case jobPending
    case jobRunning
    case snapshotCreated
    case snapshotAppDeleted
    case snapshotDeleted
    case snapshotRestored(snapshot: Int64, appName: String, app: Int64)
    case restoreAppDeleted
    case restoreSnapshotDeleted
    case newAppCreated(name: String, app: Int64, snapshot: Int64)
    case newAppPlanDeleted
    case jobFailedOnRequest
    case snapshotFailedPartWay(percent: Int)
    case snapshotHasNoFiles(snapshot: Int64)
    case jobWorkFailed(problem: String)
    // apps-status `info` about the app's container and SSH (ours).
    case containerPartsMissing(problems: String)
    case containerProblem(String)
    case sshPortMissing(held: Int)
    case sshLate(seconds: Int)
    case sshRefused(seconds: Int)
    // apps-status about the app's processes, front and usage (the platform's kind).
    case programNotRunning(name: String, state: String, detail: String)
    case supervisorFilesBroken(String)
    case storageOverLimit(usage: Double, limit: Int64)
    case memoryOverLimit(usage: Double, limit: Int64)
    case httpAnswered(Int)
    case containerWaiting(started: Int)

    /// Rosti's top-level text of a validation answer; the live service sends it in English
    /// whatever the language.
    static let validationErrorTitle = "validation error"

    func text(_ language: Language) -> String {
        let (english, czech) = texts
        return language == .cs ? czech : english
    }

    private var texts: (en: String, cs: String) {
        switch self {
        case .notAuthenticated:
            return ("Authentication credentials were not provided.", "Nebyly zadány přihlašovací údaje.")
        case .invalidToken:
            return ("Invalid token.", "Chybný token.")
        case .tokenHeaderWithoutCredentials:
            return ("Invalid token header. No credentials provided.",
                    "Chybná hlavička tokenu. Nebyly zadány přihlašovací údaje.")
        case .tokenHeaderWithSpaces:
            return ("Invalid token header. Token string should not contain spaces.",
                    "Chybná hlavička tokenu. Přihlašovací údaje by neměly obsahovat mezery.")
        case .tokenHeaderWithInvalidCharacters:
            return ("Invalid token header. Token string should not contain invalid characters.",
                    "Chybná hlavička s tokenem. Token nesmí obsahovat nevalidní znaky.")
        case .permissionDenied:
            return ("You do not have permission to perform this action.", "K této akci nemáte oprávnění.")
        case .notFound:
            return ("Not found.", "Nenalezeno.")
        case .methodNotAllowed(let method):
            return ("Method \"\(method)\" not allowed.", "Metoda \"\(method)\" není povolena.")
        case .jsonParseError(let reason):
            return ("JSON parse error - \(reason)", "Chyba parsování JSON - \(reason)")
        case .unsupportedMediaType(let mediaType):
            return ("Unsupported media type \"\(mediaType)\" in request.",
                    "Nepodporovaný media type \"\(mediaType)\" v požadavku.")
        case .notAcceptable:
            return ("Could not satisfy the request Accept header.", "Nelze vyhovět požadavku v hlavičce Accept.")
        case .malformedRequest:
            return ("Malformed request.", "Neplatný formát požadavku.")
        case .serverError:
            return ("A server error occurred.", "Chyba na straně serveru.")
        case .serviceUnavailable:
            return ("Service temporarily unavailable, try again later.",
                    "Služba je dočasně nedostupná, zkuste to později.")
        case .throttled(let wait):
            let extra = wait.map { " Expected available in \($0) second\($0 == 1 ? "" : "s")." } ?? ""
            return ("Request was throttled." + extra,
                    "Požadavek byl limitován kvůli omezení počtu požadavků za časovou periodu." + extra)
        case .requestTimeout:
            return ("Request timeout.", "Vypršel časový limit požadavku.")
        case .bodyTooLarge:
            return ("Request body is too large.", "Tělo požadavku je příliš velké.")
        case .uriTooLong:
            return ("Request URI is too long.", "URI požadavku je příliš dlouhé.")
        case .expectationFailed:
            return ("Expectation failed.", "Požadavek z hlavičky Expect nelze splnit.")
        case .headerFieldsTooLarge:
            return ("Request header fields are too large.", "Hlavičky požadavku jsou příliš velké.")
        case .notImplemented:
            return ("Not implemented.", "Není implementováno.")
        case .httpVersionNotSupported:
            return ("HTTP version not supported.", "Verze HTTP není podporována.")
        case .otherStatus(let phrase):
            return (phrase, phrase)
        case .required:
            return ("This field is required.", "Toto pole je vyžadováno.")
        case .null:
            return ("This field may not be null.", "Toto pole nesmí být prázdné (null).")
        case .blank:
            return ("This field may not be blank.", "Toto pole nesmí být prázdné.")
        case .notAString:
            return ("Not a valid string.", "Not a valid string.")
        case .invalidInteger:
            return ("A valid integer is required.", "Je vyžadováno celé číslo.")
        case .integerStringTooLong:
            return ("String value too large.", "Řetězec je příliš dlouhý.")
        case .invalidBoolean:
            return ("Must be a valid boolean.", "Must be a valid boolean.")
        case .maximumLength(let count):
            return ("Ensure this field has no more than \(count) characters.",
                    "Zkontrolujte, že toto pole není delší než \(count) znaků.")
        case .minimumLength(let count):
            return ("Ensure this field has at least \(count) characters.",
                    "Zkontrolujte, že toto pole obsahuje alespoň \(count) znaků.")
        case .maximumValue(let value):
            return ("Ensure this value is less than or equal to \(value).",
                    "Zkontrolujte, že hodnota je menší nebo rovna \(value).")
        case .minimumValue(let value):
            return ("Ensure this value is greater than or equal to \(value).",
                    "Zkontrolujte, že hodnota je větší nebo rovna \(value).")
        case .invalidChoice(let input):
            return ("\"\(input)\" is not a valid choice.", "\"\(input)\" není platnou možností.")
        case .notAList(let type):
            return ("Expected a list of items but got type \"\(type)\".",
                    "Byl očekáván seznam položek ale nalezen \"\(type)\".")
        case .tooManyItems(let count):
            let text = "Ensure this field has no more than \(count) elements."
            return (text, text)
        case .patternMismatch:
            return ("This value does not match the required pattern.",
                    "Hodnota v tomto poli neodpovídá požadovanému formátu.")
        case .primaryKeyDoesNotExist(let value):
            return ("Invalid pk \"\(value)\" - object does not exist.",
                    "Chybný primární klíč \"\(value)\" - objekt neexistuje.")
        case .primaryKeyIncorrectType(let type):
            return ("Incorrect type. Expected pk value, received \(type).",
                    "Chybný typ. Byl přijat typ \(type) místo hodnoty primárního klíče.")
        case .slugDoesNotExist(let field, let value):
            return ("Object with \(field)=\(value) does not exist.", "Objekt s \(field)=\(value) neexistuje.")
        case .invalidValue:
            return ("Invalid value.", "Chybná hodnota.")
        case .notADictionary(let type):
            return ("Invalid data. Expected a dictionary, but got \(type).",
                    "Chybná data. Byl přijat typ \(type) místo očekávaného slovníku.")
        case .noDataProvided:
            // Not marked for translation in DRF (serializers.py), so English in every language.
            return ("No data provided", "No data provided")
        case .snapshotNotReady:
            return ("The snapshot is not ready.", "Snapshot ještě není připravený.")
        case .restoreTargetAmbiguous:
            return ("Give either app (to restore into it) or name (for a new app), not both.",
                    "Zadejte buď app (obnovit do ní), nebo name (nová aplikace), ne obojí.")
        case .jobPending:
            return ("Waiting to start.", "Čeká na spuštění.")
        case .jobRunning:
            return ("In progress.", "Probíhá.")
        case .snapshotCreated:
            return ("Snapshot created.", "Snapshot vytvořen.")
        case .snapshotAppDeleted:
            return ("The app was deleted before the snapshot was taken.",
                    "Aplikace byla smazána dříve, než byl snapshot pořízen.")
        case .snapshotDeleted:
            return ("The snapshot was deleted before it was finished.",
                    "Snapshot byl smazán dříve, než byl dokončen.")
        case .snapshotRestored(let snapshot, let name, let app):
            return ("Snapshot \(snapshot) restored into app \"\(name)\" (\(app)).",
                    "Snapshot \(snapshot) obnoven do aplikace \"\(name)\" (\(app)).")
        case .restoreAppDeleted:
            return ("The app to restore into no longer exists.",
                    "Aplikace, do které se měl snapshot obnovit, už neexistuje.")
        case .restoreSnapshotDeleted:
            return ("The snapshot to restore no longer exists.", "Snapshot k obnovení už neexistuje.")
        case .jobFailedOnRequest:
            return ("The job was made to fail through the emulator's admin API.",
                    "Úloha byla ukončena jako neúspěšná přes administrační API emulátoru.")
        case .snapshotFailedPartWay(let percent):
            return ("The snapshot failed at \(percent) % (a fault set through the emulator's admin API); nothing of it was kept.",
                    "Snapshot selhal na \(percent) % (porucha nastavená přes administrační API emulátoru); nic z něj nezůstalo.")
        case .snapshotHasNoFiles(let snapshot):
            return ("Snapshot \(snapshot) holds no files (it came from a seed or an import without them).",
                    "Snapshot \(snapshot) neobsahuje žádné soubory (pochází ze seedu nebo z importu bez nich).")
        case .jobWorkFailed(let problem):
            return ("The job failed: \(problem)", "Úloha selhala: \(problem)")
        case .newAppCreated(let name, let app, let snapshot):
            return ("App \"\(name)\" (\(app)) created from snapshot \(snapshot).",
                    "Aplikace \"\(name)\" (\(app)) vytvořena ze snapshotu \(snapshot).")
        case .newAppPlanDeleted:
            return ("The plan of the new app no longer exists.", "Tarif nové aplikace už neexistuje.")
        case .containerPartsMissing(let problems):
            return ("SSH: app containers cannot run on this machine: \(problems)",
                    "SSH: kontejnery aplikací na tomto stroji nelze spustit: \(problems)")
        case .containerProblem(let problem):
            return ("SSH: \(problem)", "SSH: \(problem)")
        case .sshPortMissing(let held):
            return ("SSH: the app has no SSH port: this Rostra holds \(held) SSH ports already, or none was free",
                    "SSH: aplikace nemá SSH port: tento Rostra už drží \(held) SSH portů, nebo žádný nebyl volný")
        case .sshLate(let seconds):
            return ("SSH: connections are held for \(seconds) s more (a fault set through the admin API)",
                    "SSH: spojení čekají ještě \(seconds) s (porucha nastavená přes administrační API)")
        case .sshRefused(let seconds):
            return ("SSH: connections are refused for \(seconds) s more (a fault set through the admin API)",
                    "SSH: spojení jsou ještě \(seconds) s odmítána (porucha nastavená přes administrační API)")
        case .programNotRunning(let name, let state, let detail):
            return ("Process \(name) is not running (\(state)\(detail.isEmpty ? "" : ": " + detail)); see /srv/log and supervisorctl status",
                    "Proces \(name) neběží (\(state)\(detail.isEmpty ? "" : ": " + detail)); podívejte se do /srv/log a na supervisorctl status")
        case .supervisorFilesBroken(let problem):
            return ("The supervisor configuration in /srv/conf/supervisor.d cannot be read: \(problem)",
                    "Konfiguraci supervisoru v /srv/conf/supervisor.d nelze načíst: \(problem)")
        case .storageOverLimit(let usage, let limit):
            return ("The app uses \(usage) GB of storage, more than its plan's \(limit) GB",
                    "Aplikace zabírá \(usage) GB, víc než \(limit) GB jejího tarifu")
        case .memoryOverLimit(let usage, let limit):
            return ("The app's processes use \(usage) MB of memory, more than its plan's \(limit) MB",
                    "Procesy aplikace zabírají \(usage) MB paměti, víc než \(limit) MB jejího tarifu")
        case .httpAnswered(let status):
            return ("HTTP: the app answered \(status) through the front door", "HTTP: aplikace přes front door odpověděla \(status)")
        case .containerWaiting(let started):
            return ("The app's container is not started yet: Rostra starts \(started) containers by itself; apps-action start or an SSH connection starts it",
                    "Kontejner aplikace zatím neběží: Rostra sám spouští \(started) kontejnerů; spustí ho apps-action start nebo připojení přes SSH")
        }
    }
}
