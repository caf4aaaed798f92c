extension ToolSpec {
    /// Reads a command line (without the program name).
    ///
    /// `rostra` alone, or starting with an option, runs the default command with it;
    /// `rostra <command> …` that command; `--help`/`-h` anywhere, or `rostra help [command]`,
    /// shows help; `--version` anywhere shows the version. `--` ends the options.
    public func parse(_ arguments: [String], environment: @escaping @Sendable (String) -> String?) throws(UsageError) -> Invocation {
        var rest = arguments[...]
        if rest.first == "help" {
            rest.removeFirst()
            guard let named = rest.first else { return .show(helpText()) }
            guard let command = command(named: named), rest.count == 1 else {
                throw UsageError("Unknown command '\(rest.joined(separator: " "))' (commands: \(commandNames)).")
            }
            return .show(helpText(for: command))
        }
        var command = command(named: defaultCommand)!
        var named = false
        if let first = rest.first, !first.hasPrefix("-") {
            guard let chosen = self.command(named: first) else {
                throw UsageError("Unknown command '\(first)' (commands: \(commandNames)).")
            }
            command = chosen
            named = true
            rest.removeFirst()
        }
        // Asked for help or the version before a mistake elsewhere is reported, as a
        // person typing `--help` after a wrong option expects.
        let options = rest.prefix { $0 != "--" }
        if options.contains("--help") || options.contains("-h") {
            return .show(named ? helpText(for: command) : helpText())
        }
        if options.contains("--version") { return .show(version + "\n") }
        do {
            return .run(command: command.name, try command.parse(Array(rest), environment: environment))
        } catch var error {
            error.command = command.name
            throw error
        }
    }

    var commandNames: String { commands.map(\.name).joined(separator: ", ") }
}

extension CommandSpec {
    func parse(_ arguments: [String], environment: @escaping @Sendable (String) -> String?) throws(UsageError) -> ParsedArguments {
        var given: [String: [String]] = [:]
        var positionals: [String] = []
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("Unknown option '\(argument)'.") }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let attached = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            guard let option = option(named: name) else { throw UsageError("Unknown option '--\(name)'.") }
            switch option.kind {
            case .flag:
                guard attached == nil else { throw UsageError("'--\(name)' takes no value.") }
                given[name, default: []].append("")
            case .value, .repeatedValue:
                if let attached {
                    given[name, default: []].append(attached)
                } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                    given[name, default: []].append(arguments[index])
                    index += 1
                } else {
                    throw UsageError("Missing value for '\(option.synopsis)'.")
                }
            }
        }
        let expected = self.arguments
        if let last = expected.last, last.count == .any {
            let required = expected.count - 1
            guard positionals.count >= required else { throw UsageError("Missing expected argument '\(expected[positionals.count].synopsis)'.") }
        } else {
            if positionals.count < expected.count {
                throw UsageError("Missing expected argument '\(expected[positionals.count].synopsis)'.")
            }
            if positionals.count > expected.count {
                throw UsageError("Unexpected argument '\(positionals[expected.count])'.")
            }
        }
        return ParsedArguments(given: given, positionals: positionals, environment: environment)
    }
}
