/// The version reported by `rostra --version` and `GET /__admin/health`.
public enum RostraVersion {
    public static let string = "0.1.0"
}
