/// Every bound the multipart parser enforces, in one place. Crossing one fails the parse with
/// the `MultipartError` named next to it, so a hostile or broken client can make the parser
/// hold at most about `maximumHeaderSectionBytes` plus one delimiter, whatever the body size.
///
/// The defaults leave room for what real clients send: browsers, curl and the ABF console
/// client write one short line per header field, and a file name with a full path stays
/// under `PATH_MAX` (4096 bytes on Linux).
public struct MultipartLimits: Sendable, Equatable {
    /// Longest header line of a part, line terminator excluded → `headerLineTooLong`.
    public var maximumHeaderLineBytes: Int
    /// All header lines of one part, terminators and the blank line included → `headerSectionTooLarge`.
    public var maximumHeaderSectionBytes: Int
    /// Header fields in one part; folded continuation lines belong to their field → `tooManyHeaders`.
    public var maximumHeaderCount: Int
    /// Parts in one body, those the caller ignores included → `tooManyParts`.
    public var maximumPartCount: Int
    /// Bytes before the first delimiter (the preamble, RFC 2046 §5.1.1). Clients send none;
    /// the bound makes a body without the boundary fail early instead of at its end
    /// → `boundaryNotFound`.
    public var maximumPreambleBytes: Int

    public init(
        maximumHeaderLineBytes: Int = 8 * 1024,
        maximumHeaderSectionBytes: Int = 16 * 1024,
        maximumHeaderCount: Int = 16,
        maximumPartCount: Int = 64,
        maximumPreambleBytes: Int = 16 * 1024
    ) {
        self.maximumHeaderLineBytes = maximumHeaderLineBytes
        self.maximumHeaderSectionBytes = maximumHeaderSectionBytes
        self.maximumHeaderCount = maximumHeaderCount
        self.maximumPartCount = maximumPartCount
        self.maximumPreambleBytes = maximumPreambleBytes
    }

    public static let `default` = MultipartLimits()
}
