/// An app's installed crontab as Vixie cron (Debian's `cron`, what Rosti's containers run)
/// reads it: `NAME=value` lines set the environment of the entries after them; an entry is
/// five time fields (or an `@` keyword) and a command. A line cron would refuse is left out,
/// as cron leaves it out (the container's `crontab` already refuses a table with one).
public struct CronTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// nil for `@reboot`: it runs when the container starts.
        public let schedule: CronSchedule?
        /// The command as the shell gets it: up to the first unescaped `%`, `\%` read as `%`.
        public let command: String
        /// What follows the first `%`, each further `%` a line end: the command's input.
        public let input: String?
        /// The table's `NAME=value` settings above the entry, in order.
        public let environment: [(name: String, value: String)]

        public static func == (left: Entry, right: Entry) -> Bool {
            left.schedule == right.schedule && left.command == right.command && left.input == right.input
                && left.environment.elementsEqual(right.environment) { $0.name == $1.name && $0.value == $1.value }
        }
    }

    public let entries: [Entry]

    public init(parsing text: String) {
        var environment: [(name: String, value: String)] = []
        var entries: [Entry] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.first == "#" { continue }
            if let setting = Self.setting(line) {
                environment.removeAll { $0.name == setting.name }
                environment.append(setting)
                continue
            }
            guard let (schedule, rest) = Self.schedule(line) else { continue }
            let (command, input) = Self.splitPercent(String(rest))
            guard !command.allSatisfy({ $0 == " " || $0 == "\t" }) else { continue }
            entries.append(Entry(schedule: schedule, command: command, input: input, environment: environment))
        }
        self.entries = entries
    }

    // MARK: Reading a line

    /// `NAME = value`, the value optionally in single or double quotes; nil for a line that
    /// is not a setting (an entry starts with a digit, `*` or `@`, which no name does).
    static func setting(_ line: Substring) -> (name: String, value: String)? {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        var name = line[..<equals].trimmingBlanks()
        if name.count >= 2, let first = name.first, first == "\"" || first == "'", name.last == first {
            name = name.dropFirst().dropLast()
        }
        guard let first = name.first, first.isLetter || first == "_",
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        var value = line[line.index(after: equals)...].trimmingBlanks()
        if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
            value = value.dropFirst().dropLast()
        }
        return (String(name), String(value))
    }

    /// The schedule and the rest of the line (the command), or nil for a line cron refuses.
    static func schedule(_ line: Substring) -> (CronSchedule?, Substring)? {
        if line.first == "@" {
            let keyword = line.prefix { $0 != " " && $0 != "\t" }
            let rest = line.dropFirst(keyword.count).drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { return nil }
            if keyword == "@reboot" { return (nil, rest) }
            guard let schedule = CronSchedule(keyword: String(keyword.dropFirst())) else { return nil }
            return (schedule, rest)
        }
        var rest = line
        var fields: [Substring] = []
        for _ in 0..<5 {
            let field = rest.prefix { $0 != " " && $0 != "\t" }
            guard !field.isEmpty else { return nil }
            fields.append(field)
            rest = rest.dropFirst(field.count).drop { $0 == " " || $0 == "\t" }
        }
        guard !rest.isEmpty, let schedule = CronSchedule(fields: fields) else { return nil }
        return (schedule, rest)
    }

    /// Vixie cron's `%`: the first unescaped one ends the command, the rest is its input
    /// with each further `%` a line end; `\%` is a `%` in either.
    static func splitPercent(_ text: String) -> (command: String, input: String?) {
        var command = ""
        var input: String?
        var characters = text.makeIterator()
        while let character = characters.next() {
            if character == "\\" {
                guard let next = characters.next() else {
                    input == nil ? command.append(character) : input!.append(character)
                    break
                }
                if next == "%" {
                    input == nil ? command.append("%") : input!.append("%")
                } else {
                    input == nil ? command.append(contentsOf: [character, next]) : input!.append(contentsOf: [character, next])
                }
            } else if character == "%" {
                if input == nil { input = "" } else { input!.append("\n") }
            } else {
                input == nil ? command.append(character) : input!.append(character)
            }
        }
        // cron ends the input with a line end, so that the last line reads as one.
        if let text = input, !text.isEmpty, text.last != "\n" { input = text + "\n" }
        return (command.trimmingTrailingBlanks(), input)
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> Substring {
        var text = drop { $0 == " " || $0 == "\t" }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}

extension String {
    fileprivate func trimmingTrailingBlanks() -> String {
        var text = self
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return text
    }
}
