import Testing

@testable import Emulator

/// The pages kept as files: `{{text}}` and `{{{markup}}}` slots, filled in steps.
@Suite struct HTMLTemplateTests {
    func template(_ text: String) throws -> HTMLTemplate {
        try HTMLTemplate(Array(text.utf8), name: "test.html")
    }

    @Test func textIsEscapedAndMarkupIsPutInAsItIs() throws {
        let page = try template("<h1>{{title}}</h1>\n{{{body}}}<p>{{title}}</p>")
        #expect(page.slots == ["title", "body"])
        let rendered = page.render(["title": "<b>\"Tom\" & 'Jerry'</b>", "body": "<table></table>"])
        #expect(String(decoding: rendered, as: UTF8.self)
            == "<h1>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</h1>\n<table></table><p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>")
    }

    @Test func fillingSomeSlotsLeavesTheRestForLater() throws {
        let page = try template("a{{one}}b{{two}}c{{{three}}}d")
        let partly = page.filling(["one": "1", "three": "<3>"])
        #expect(partly.slots == ["two"])
        #expect(String(decoding: partly.render(["two": "&"]), as: UTF8.self) == "a1b&amp;c<3>d")
        #expect(partly.render(["two": "2"]) == page.render(["one": "1", "two": "2", "three": "<3>"]))
    }

    /// Braces that make no slot are text: style sheets and scripts have plenty.
    @Test func otherBracesAreText() throws {
        let css = "p { margin: 0 } a {} }} { {x} {{ok}}"
        #expect(try template(css).slots == ["ok"])
        #expect(String(decoding: try template(css).render(["ok": "!"]), as: UTF8.self) == "p { margin: 0 } a {} }} { {x} !")
        #expect(try template("no slots at all").render() == Array("no slots at all".utf8))
        #expect(try template("").render() == [])
    }

    @Test func aBrokenSlotIsRefusedWithItsLine() {
        let cases: [(String, Int, String)] = [
            ("a\nb {{ title }}", 2, #""{{" opens no slot (a slot is {{name}} or {{{name}}})"#),
            ("{{title}", 1, "the slot title is not closed with }}"),
            ("{{title", 1, "the slot title is not closed with }}"),
            ("\n\n{{{body}}", 3, "the slot body is not closed with }}}"),
            ("{{title}}}", 1, "the slot title is not closed with }}"),
            ("{{1st}}", 1, #""{{" opens no slot (a slot is {{name}} or {{{name}}})"#),
            ("{{}}", 1, #""{{" opens no slot (a slot is {{name}} or {{{name}}})"#),
        ]
        for (text, line, reason) in cases {
            #expect(throws: HTMLTemplate.SyntaxError(template: "test.html", line: line, reason: reason), "\(text)") {
                try HTMLTemplate(Array(text.utf8), name: "test.html")
            }
        }
    }

    /// The dashboard's file has exactly the slots its Swift side fills.
    @Test func theDashboardsSlotsAreTheOnesFilled() {
        #expect(DashboardPage.template.slots == ["stylePath", "scriptPath", "version"])
        let page = String(decoding: DashboardPage.html, as: UTF8.self)
        #expect(!page.contains("{{"))
        #expect(page.hasSuffix("</html>\n"))
    }
}
