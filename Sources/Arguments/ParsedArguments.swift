/// A command's arguments as given, read through its option table: a value on the command
/// line wins, else the option's environment variable (empty counts as unset), else nil.
public struct ParsedArguments: Sendable {
    /// Values by option name, in the order given; a flag has one empty value per use.
    let given: [String: [String]]
    public let positionals: [String]
    let environment: @Sendable (String) -> String?

    init(given: [String: [String]], positionals: [String], environment: @escaping @Sendable (String) -> String?) {
        self.given = given
        self.positionals = positionals
        self.environment = environment
    }

    /// The value of a single-valued option: the last one given, else the environment's.
    public func string(_ option: OptionSpec) -> String? {
        if let values = given[option.name], let last = values.last { return last }
        return environmentValue(of: option)
    }

    /// Every value of a repeatable option; from the environment, its comma-separated list.
    public func strings(_ option: OptionSpec) -> [String] {
        if let values = given[option.name] { return values }
        guard let text = environmentValue(of: option) else { return [] }
        return text.split(separator: ",").map { item in
            String(item.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// Whether a flag is on: given, or its environment variable says `1`, `true` or `yes`
    /// (`0`, `false`, `no` say off; anything else is a mistake, not silently off).
    public func isSet(_ flag: OptionSpec) throws(UsageError) -> Bool {
        if given[flag.name] != nil { return true }
        guard let text = environmentValue(of: flag), let variable = flag.environment?.variable else { return false }
        switch text.lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw UsageError("\(variable)=\(text) is neither on (1, true, yes) nor off (0, false, no).")
        }
    }

    /// A single-valued option converted; a value that does not convert is a usage error
    /// naming where it came from and what was `expected` ("a port number (0–65535)").
    public func value<Value>(_ option: OptionSpec, expected: String, _ convert: (String) -> Value?) throws(UsageError) -> Value? {
        guard let text = string(option) else { return nil }
        guard let value = convert(text) else {
            throw UsageError("\(origin(of: option, text)) is not \(expected).")
        }
        return value
    }

    /// Whether the option's value came from the command line (not the environment).
    public func isGiven(_ option: OptionSpec) -> Bool {
        given[option.name] != nil
    }

    /// `--rosti-port eighty` or `ROSTRA_ROSTI_PORT=eighty`: where a value was read, as an
    /// error message names it.
    public func origin(of option: OptionSpec, _ text: String) -> String {
        if isGiven(option) || option.environment == nil { return "--\(option.name) \(text)" }
        return "\(option.environment!.variable)=\(text)"
    }

    private func environmentValue(of option: OptionSpec) -> String? {
        guard let variable = option.environment?.variable, let text = environment(variable), !text.isEmpty else { return nil }
        return text
    }
}
