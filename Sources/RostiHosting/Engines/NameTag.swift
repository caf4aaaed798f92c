/// Short stable tags made from text, for names the engines see: one engine server holds
/// the storages of every tenant, and two tenants made from the same seed have storages of
/// the same name, so every tenant but the default one gets a tag in its storages' names.
public enum NameTag {
    /// 6 characters of [a-z2-7] (30 bits of FNV-1a, in base32's alphabet): a name's tag.
    public static func tag(of text: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var hash = fnv1a(text)
        var tag = ""
        for _ in 0..<6 {
            tag.append(alphabet[Int(hash & 31)])
            hash >>= 5
        }
        return tag
    }

    /// 16 hexadecimal digits of FNV-1a: a folder name for a path.
    static func hex(of text: String) -> String {
        let digits = String(fnv1a(text), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
