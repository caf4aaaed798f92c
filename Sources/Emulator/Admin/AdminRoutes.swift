import HTTP

/// Which emulated API a listener serves.
public enum EmulatedAPI: String, Sendable, Codable, CaseIterable {
    case rosti
    case rosa
}

/// The emulator's control surface under the reserved prefix `/__admin/` (the WireMock
/// convention), on every API's port.
public enum AdminRoutes {
    public static let prefix = "/__admin/"

    /// `GET /__admin/health`: liveness and version, for wait-for-ready loops.
    public static func register(on router: inout Router, api: EmulatedAPI) {
        let body = Array(#"{"status":"ok","version":\#(JSONString.quote(RostraVersion.string)),"api":"\#(api.rawValue)"}"#.utf8)
        router.add(.get, prefix + "health", name: "admin health") { _ in
            Response(contentType: "application/json", bytes: body)
        }
    }
}
