/// The dashboard's style sheet, served at `/__admin/dashboard.css`; the file is
/// `dashboard.css` beside this one, embedded at build time.
enum DashboardStyle {
    static let contentType = "text/css; charset=utf-8"

    static var bytes: [UInt8] { PackageResources.dashboard_css }
    static var css: String { String(decoding: bytes, as: UTF8.self) }
}
