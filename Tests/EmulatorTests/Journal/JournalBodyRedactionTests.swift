import Testing

@testable import Emulator

/// Secrets in journaled bodies: a Rosti storage's password never reaches the journal.
@Suite struct JournalBodyRedactionTests {
    static func redacted(_ text: String) -> String {
        String(decoding: JournalBody.redactingSecrets(Array(text.utf8)), as: UTF8.self)
    }

    @Test(arguments: [
        (#"{"engine":"mariadb","password":"hunter22!"}"#, #"{"engine":"mariadb","password":"[redacted]"}"#),
        (#"{ "password" : "a \"quoted\" one", "note": "x" }"#, #"{ "password" : "[redacted]", "note": "x" }"#),
        (#"{"password":12345678,"note":"kept"}"#, #"{"password":"[redacted]","note":"kept"}"#),
        (#"{"password":"first","x":{"password":"second"}}"#, #"{"password":"[redacted]","x":{"password":"[redacted]"}}"#),
        // A prefix cut inside the value: the whole rest is the secret.
        (#"{"note":"cut short","password":"abcdef"#, #"{"note":"cut short","password":"[redacted]""#),
        (#"{"password":"ends in a backslash\"#, #"{"password":"[redacted]""#),
        (#"{"password":"#, #"{"password":"#),
        (#"{"note":"password","other":"password is a word here"}"#, #"{"note":"password","other":"password is a word here"}"#),
        ("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbytes", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbytes"),
    ])
    func passwordValuesBecomeRedacted(body: String, journaled: String) {
        #expect(Self.redacted(body) == journaled)
    }
}
