import HTTP

extension AdminRoutes {
    static let dashboardPath = prefix
    static let dashboardStylePath = prefix + "dashboard.css"
    static let dashboardScriptPath = prefix + "dashboard.js"

    /// The dashboard's three files. They hold no state: the script reads and changes
    /// everything through the JSON calls, which need the admin token when one is set.
    /// So the files are open like health — a browser cannot send a bearer token when it
    /// follows a link, and the page asks for the token instead (see `AdminAccessMiddleware`).
    static let dashboardFiles: Set<String> = [dashboardPath, dashboardStylePath, dashboardScriptPath]

    /// `GET /__admin/` and its style sheet and script.
    static func registerDashboard(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        let page = DashboardPage.html
        documentation.add(.get, "", on: &router, AdminOperation(
            summary: "The dashboard, a page for people",
            description: "HTML. Shows the tenant's state, jobs, clock, fault rules, the maintenance switches, the settings and the request journal, live, and changes them through the JSON calls of this API. ?tenant=<name> opens it on a tenant. The page itself holds no state and is served without the admin token; it asks for the token when the calls need one.",
            query: [.init(name: "tenant", description: "the tenant the page opens on (read by the page's script)", schema: ["type": "string"])],
            responses: [(200, "An HTML page")], isOpen: true, contentType: DashboardPage.contentType)
        ) { _ in
            Response(contentType: DashboardPage.contentType, bytes: page, headers: DashboardPage.headers)
        }

        let style = DashboardStyle.bytes
        documentation.add(.get, "dashboard.css", on: &router, AdminOperation(
            summary: "The dashboard's style sheet", responses: [(200, "CSS")], isOpen: true, contentType: DashboardStyle.contentType)
        ) { _ in
            Response(contentType: DashboardStyle.contentType, bytes: style, headers: DashboardPage.headers)
        }

        let script = DashboardScript.bytes
        documentation.add(.get, "dashboard.js", on: &router, AdminOperation(
            summary: "The dashboard's script", responses: [(200, "JavaScript")], isOpen: true, contentType: DashboardScript.contentType)
        ) { _ in
            Response(contentType: DashboardScript.contentType, bytes: script, headers: DashboardPage.headers)
        }
    }
}
