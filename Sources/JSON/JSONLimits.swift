/// The bounds the JSON module applies when its caller names none, in one place.
public enum JSONLimits {
    /// Deepest nesting of arrays and objects a parse accepts by default (admin bodies, seed
    /// files, stored JSON columns): the 512 levels admin bodies have always been allowed,
    /// far more than any of them needs, and far fewer than a worker thread's stack holds.
    public static let maximumNesting = 512
}
