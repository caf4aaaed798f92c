/// What a Rosti API token is: 40 ASCII letters and digits, as the official client's
/// configuration and DRF's `authtoken` keys are. The one place the rule is written in
/// Swift; the `rosti_accounts` table checks the same in SQL.
enum RostiToken {
    static let length = 40
    /// The rule in words, for messages.
    static let rule = "40 letters or digits"

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == length && token.utf8.allSatisfy(isLetterOrDigit)
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
