import HTTP

/// The dashboard's HTML (`dashboard.html`): the frame the script fills. Every element the
/// script writes into or listens to has an `id`; everything shown comes from the JSON calls
/// and is put in as text by the script, never as markup.
enum DashboardPage {
    static let contentType = "text/html; charset=utf-8"

    /// Everything the page loads is its own (style sheet, script, JSON calls), so the
    /// policy allows nothing else: text from clients that ends up on the page can never
    /// run as script. The empty `data:` icon keeps the browser from asking the emulated
    /// API for `/favicon.ico`, which would land in the journal as a request of the user's. `no-cache` makes a browser check for a newer Rostra's files.
    static let headers: HTTPHeaders = [
        "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    ]

    /// `dashboard.html` beside this file, embedded at build time: the version and the
    /// paths of the style sheet and script are its slots.
    static let template = HTMLTemplate.builtIn(PackageResources.dashboard_html, name: "dashboard.html")

    static var html: [UInt8] {
        template.render([
            "version": RostraVersion.string,
            "stylePath": AdminRoutes.dashboardStylePath,
            "scriptPath": AdminRoutes.dashboardScriptPath,
        ])
    }
}
