/// Every bound of the hosting plane behind the Rosti API — app containers, their SSH
/// endpoints and processes, the front door, the database engines behind storages — in one
/// place. Each part adds its own values here.
public struct HostingLimits: Sendable, Equatable {
    public init() {}

    public static let `default` = HostingLimits()
}
