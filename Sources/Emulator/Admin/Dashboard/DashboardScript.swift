/// The dashboard's script, served at `/__admin/dashboard.js`; the file is `dashboard.js`
/// beside this one, embedded at build time (CI runs `node --check` on it). It uses the
/// admin JSON API only (the same calls as docs/admin-api.md), polls it, and writes what it
/// gets into the page as text nodes — never as markup — so paths and headers clients sent
/// cannot inject anything.
enum DashboardScript {
    static let contentType = "text/javascript; charset=utf-8"

    static var bytes: [UInt8] { PackageResources.dashboard_js }
    static var javaScript: String { String(decoding: bytes, as: UTF8.self) }
}
