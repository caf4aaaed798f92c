#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host a request is for (RFC 9112 §3.2): checked before any handler runs, since
/// handlers copy it into answers (a redirect's `Location`) and logs. A value that is not
/// `host[:port]` by RFC 3986 (`a b/c`, `"><script>`) is refused with 400, as nginx refuses
/// a malformed `Host`. For an absolute-form target the target's authority is the host and
/// the `Host` field is ignored (§3.2.2): the engine puts the authority in its place, so a
/// handler reads one `Host` whatever the form.
///
/// An empty `Host` stays valid: it is what a client sends when the target has no authority.
extension RequestHead {
    mutating func settleHost() throws(HTTPParseError) {
        if let authority = HostField.authority(ofAbsoluteTarget: target) {
            // userinfo has no place in an http(s) target (RFC 9110 §4.2.4), and an http URI
            // with an empty host must be rejected (§4.2.1).
            guard !authority.isEmpty, HostField.isValid(authority) else { throw .invalidHost }
            let field = (name: "Host", value: String(authority))
            let first = headers.firstIndex { $0.name.equalsIgnoringASCIICase("Host") }
            headers.removeAll { $0.name.equalsIgnoringASCIICase("Host") }
            headers.insert(field, at: first ?? headers.endIndex)
            return
        }
        for field in headers where field.name.equalsIgnoringASCIICase("Host") {
            guard HostField.isValid(field.value[...]) else { throw .invalidHost }
        }
    }
}

/// RFC 3986's `host [ ":" port ]`, on the bytes.
enum HostField {
    /// The authority of `http://authority/…` or `https://authority?…`; nil for any other
    /// form (origin-form `/…`, asterisk `*`).
    static func authority(ofAbsoluteTarget target: String) -> Substring? {
        let rest: Substring
        if target.utf8.first == UInt8(ascii: "/") {
            return nil
        } else if target.hasPrefix("http://") {
            rest = target.dropFirst(7)
        } else if target.hasPrefix("https://") {
            rest = target.dropFirst(8)
        } else {
            return nil
        }
        guard let end = rest.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else { return rest }
        return rest[..<end]
    }

    /// Whether `value` is `host [ ":" port ]`: an IP literal in brackets, or a reg-name /
    /// IPv4 address (unreserved characters, percent escapes, sub-delims), then digits after
    /// a colon. Empty is valid (see above).
    static func isValid(_ value: Substring) -> Bool {
        let bytes = value.utf8
        var hostEnd = bytes.endIndex
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            hostEnd = bytes.index(after: close)
            guard isIPLiteral(value[bytes.index(after: bytes.startIndex)..<close]) else { return false }
        } else {
            if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) { hostEnd = colon }
            guard isRegName(bytes[..<hostEnd]) else { return false }
        }
        let port = bytes[hostEnd...]
        guard let first = port.first else { return true }
        return first == UInt8(ascii: ":") && port.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// reg-name = *( unreserved / pct-encoded / sub-delims ), which takes in IPv4 addresses.
    private static func isRegName(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                guard first < bytes.endIndex, bytes.index(after: first) < bytes.endIndex,
                      PercentDecoding.hexValue(bytes[first]) != nil,
                      PercentDecoding.hexValue(bytes[bytes.index(after: first)]) != nil
                else { return false }
                index = bytes.index(first, offsetBy: 2)
                continue
            }
            guard isUnreserved(byte) || isSubDelimiter(byte) else { return false }
            index = bytes.index(after: index)
        }
        return true
    }

    /// IP-literal without its brackets: an IPv6 address (checked by `inet_pton`) or
    /// IPvFuture (`v` HEXDIG+ `.` ( unreserved / sub-delims / `:` )+).
    private static func isIPLiteral(_ text: Substring) -> Bool {
        let bytes = text.utf8
        if let first = bytes.first, first | 0x20 == UInt8(ascii: "v") {
            guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")) else { return false }
            let version = bytes[bytes.index(after: bytes.startIndex)..<dot]
            let rest = bytes[bytes.index(after: dot)...]
            return !version.isEmpty && version.allSatisfy { PercentDecoding.hexValue($0) != nil }
                && !rest.isEmpty && rest.allSatisfy { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }
        }
        var address = in6_addr()
        return inet_pton(AF_INET6, String(text), &address) == 1
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
        }
    }

    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        "!$&'()*+,;=".utf8.contains(byte)
    }
}
