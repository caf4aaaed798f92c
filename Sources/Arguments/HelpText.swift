/// `--help` pages, laid out as swift-argument-parser lays them out (which Rostra used
/// before; people and docs know the shape): OVERVIEW, the discussion, USAGE, ARGUMENTS,
/// OPTIONS, and for the tool its COMMANDS.
extension ToolSpec {
    /// Columns a help page is wrapped to, and where descriptions begin.
    static let pageWidth = 80
    static let descriptionColumn = 26

    /// The tool's own page: what it is and its commands.
    public func helpText() -> String {
        var page = HelpPage()
        page.paragraph("OVERVIEW: " + abstract)
        if !discussion.isEmpty { page.paragraph(discussion) }
        page.line("USAGE: \(name) <command>")
        page.line("")
        page.line("OPTIONS:")
        page.standardOptions()
        page.line("")
        page.line("COMMANDS:")
        for command in commands {
            page.entry(command.name == defaultCommand ? "\(command.name) (default)" : command.name, command.abstract)
        }
        page.line("")
        page.line("  See '\(name) help <command>' for detailed help.")
        return page.text
    }

    /// A command's page: every argument and option with its full help.
    public func helpText(for command: CommandSpec) -> String {
        var page = HelpPage()
        page.paragraph("OVERVIEW: " + command.abstract)
        if !command.discussion.isEmpty { page.paragraph(command.discussion) }
        page.paragraph("USAGE: " + usage(of: command))
        if !command.arguments.isEmpty {
            page.line("ARGUMENTS:")
            for argument in command.arguments { page.entry("<\(argument.valueName)>", argument.help) }
            page.line("")
        }
        page.line("OPTIONS:")
        for option in command.options { page.entry(option.synopsis, option.fullHelp) }
        page.standardOptions()
        return page.text
    }

    /// `rostra serve <options>`, or every option spelled out when that fits a line.
    func usage(of command: CommandSpec) -> String {
        let start = "\(name) \(command.name)"
        let arguments = command.arguments.map(\.synopsis)
        let options = command.options.map { "[\($0.synopsis)]" }
        let full = ([start] + arguments + options).joined(separator: " ")
        if full.count + "USAGE: ".count <= Self.pageWidth { return full }
        return ([start] + arguments + ["<options>"]).joined(separator: " ")
    }

    /// What is printed to standard error for a usage mistake.
    public func errorText(for error: UsageError) -> String {
        guard let name = error.command, let command = command(named: name) else {
            return "Error: \(error.description)\nUsage: \(self.name) <command>\n  See '\(self.name) --help' for more information.\n"
        }
        return "Error: \(error.description)\nUsage: \(usage(of: command))\n  See '\(self.name) \(name) --help' for more information.\n"
    }
}

/// Lines of a help page being built.
struct HelpPage {
    private(set) var text = ""

    mutating func line(_ line: String) {
        text += line + "\n"
    }

    /// Text wrapped to the page width, then a blank line.
    mutating func paragraph(_ paragraph: String) {
        for line in Self.wrap(paragraph, width: ToolSpec.pageWidth) { self.line(line) }
        line("")
    }

    /// A name indented by two with its description in the description column; a name too
    /// long for that column gets a line of its own.
    mutating func entry(_ name: String, _ description: String) {
        let column = ToolSpec.descriptionColumn
        let indent = String(repeating: " ", count: column)
        var lines = Self.wrap(description, width: ToolSpec.pageWidth - column)
        let head = "  " + name
        if head.count <= column - 2 {
            let first = lines.isEmpty ? "" : lines.removeFirst()
            line(head + String(repeating: " ", count: column - head.count) + first)
        } else {
            line(head)
        }
        for rest in lines { line(indent + rest) }
    }

    mutating func standardOptions() {
        entry("--version", "Show the version.")
        entry("-h, --help", "Show help information.")
    }

    /// Words of `text` in lines of at most `width` characters (a longer word alone on its line).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
