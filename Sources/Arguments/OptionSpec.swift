/// One option of a command, declared once: parsing, the environment fallback, `--help` and
/// the configuration reference's test all read this.
///
/// Rostra parses its command line with this small table-driven parser instead of
/// swift-argument-parser: that package finds a command's options by reflecting over its
/// property wrappers, and the protocol-conformance lookups this sets off scan every
/// conformance record of a binary that carries Foundation. It was about 6 ms of the
/// 15 ms from exec to the first answer (docs/performance.md).
public struct OptionSpec: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// `--name <value>` or `--name=<value>`; given twice, the last one counts.
        case value(valueName: String)
        /// `--name <value>`, repeatable; every value counts, in order.
        case repeatedValue(valueName: String)
        /// `--name`, no value.
        case flag
    }

    /// The long name without its dashes (`rosti-port`).
    public let name: String
    public let kind: Kind
    /// What the option does, one or more sentences.
    public let help: String
    /// The environment variable read when the option is not on the command line.
    public let environment: EnvironmentFallback?
    /// The value used when neither gives one, as `--help` shows it.
    public let shownDefault: String?

    public init(_ name: String, _ kind: Kind, help: String, environment: EnvironmentFallback? = nil, shownDefault: String? = nil) {
        self.name = name
        self.kind = kind
        self.help = help
        self.environment = environment
        self.shownDefault = shownDefault
    }

    /// `--rosti-port <port>`, as usage lines and error messages name the option.
    public var synopsis: String {
        switch kind {
        case .value(let valueName), .repeatedValue(let valueName): "--\(name) <\(valueName)>"
        case .flag: "--\(name)"
        }
    }

    /// The help text with where else the value can come from and what it is when unset.
    public var fullHelp: String {
        var text = help
        if let environment { text += " Env: \(environment.shown)." }
        if let shownDefault { text += " Default: \(shownDefault)." }
        return text
    }
}

/// An environment variable that stands in for an option.
public struct EnvironmentFallback: Hashable, Sendable {
    public let variable: String
    /// How `--help` shows it: the name, or an example such as `ROSTRA_RESEED=1`.
    public let shown: String

    public init(_ variable: String, shown: String? = nil) {
        self.variable = variable
        self.shown = shown ?? variable
    }
}

/// A positional argument of a command.
public struct ArgumentSpec: Hashable, Sendable {
    public enum Count: Hashable, Sendable {
        /// Exactly one.
        case one
        /// Zero or more.
        case any
    }

    public let valueName: String
    public let count: Count
    public let help: String

    public init(_ valueName: String, _ count: Count, help: String) {
        self.valueName = valueName
        self.count = count
        self.help = help
    }

    var synopsis: String {
        switch count {
        case .one: "<\(valueName)>"
        case .any: "[<\(valueName)> ...]"
        }
    }
}
