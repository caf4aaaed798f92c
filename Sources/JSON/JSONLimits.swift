/// The bounds the JSON module applies when its caller names none, in one place.
public enum JSONLimits {
    /// Deepest nesting of arrays and objects a parse accepts by default: the 512 levels
    /// Foundation's decoder allowed admin bodies before this parser read them.
    public static let maximumNesting = 512
}
