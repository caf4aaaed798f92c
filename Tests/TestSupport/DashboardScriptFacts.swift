import Foundation

/// What the admin dashboard's script (`DashboardScript.javaScript`) relies on, read from its
/// text, so tests can hold it against the page and the server's routes.
public enum DashboardScriptFacts {
    /// Every admin call the script makes, as `"METHOD /__admin/path/{}"`: a path built with
    /// a value (`'faults/' + rule.id`) has `{}` where the value goes. The journal's query is
    /// built apart (`journalQuery()`) and is listed as `GET /__admin/requests`; health is
    /// fetched without the token and listed as `GET /__admin/health`.
    public static func calls(in script: String) -> [String] {
        let pattern = #"call\('([A-Z]+)', '([^'?]*)'( \+ [\w.()]+)?(?: \+ '([^']*)')?"#
        var calls = matches(of: pattern, in: script).map { groups in
            let value = groups[2] == nil ? "" : "{}" + (groups[3] ?? "")
            return shape(groups[0]!, "/__admin/" + groups[1]! + value)
        }
        if script.contains("call('GET', journalQuery())") { calls.append("GET /__admin/requests") }
        if script.contains("fetch(admin + 'health'") { calls.append("GET /__admin/health") }
        return calls
    }

    /// Every element id the script looks up with `$('…')`.
    public static func elementIDs(in script: String) -> [String] {
        matches(of: #"\$\('([^']+)'\)"#, in: script).map { $0[0]! }
    }

    /// A route as `calls(in:)` writes one: path parameters' names left out.
    public static func shape(_ method: String, _ pattern: String) -> String {
        method + " " + pattern.replacingOccurrences(of: #"\{[^}]*\}"#, with: "{}", options: .regularExpression)
    }

    private static func matches(of pattern: String, in text: String) -> [[String?]] {
        let expression = try! NSRegularExpression(pattern: pattern)
        let whole = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: whole).map { match in
            (1..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) }
            }
        }
    }
}
