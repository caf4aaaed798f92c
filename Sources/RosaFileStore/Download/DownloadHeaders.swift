/// How a stored file is presented when downloaded (reference "Download"): logs and other
/// text shown in the browser, everything else saved under its stored name.
struct DownloadPresentation: Equatable {
    let contentType: String
    let contentDisposition: String

    /// Build logs, text and checksum files open inline as plain text (log links carry
    /// `?show=true` for that).
    static let inlineTextExtensions: Set<String> = ["log", "txt", "md5sum"]

    /// Media types by extension, lowercase; anything else is `application/octet-stream`.
    static let contentTypes: [String: String] = [
        "gz": "application/gzip", "tgz": "application/gzip", "bz2": "application/x-bzip2",
        "xz": "application/x-xz", "zst": "application/zstd", "lzma": "application/x-lzma",
        "tar": "application/x-tar", "zip": "application/zip", "7z": "application/x-7z-compressed",
        "rpm": "application/x-rpm", "deb": "application/vnd.debian.binary-package",
        "iso": "application/x-iso9660-image", "jar": "application/java-archive",
        "json": "application/json", "xml": "application/xml", "pdf": "application/pdf",
        "html": "text/html", "htm": "text/html", "css": "text/css", "csv": "text/csv",
        "md": "text/markdown", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "gif": "image/gif", "svg": "image/svg+xml", "webp": "image/webp",
    ]

    init(fileName: String) {
        let fileExtension = Self.fileExtension(of: fileName)
        if Self.inlineTextExtensions.contains(fileExtension) {
            contentType = "text/plain"
            contentDisposition = "inline"
        } else {
            contentType = Self.contentTypes[fileExtension] ?? "application/octet-stream"
            // `wget --content-disposition` and `curl -OJ` save under this name.
            contentDisposition = "attachment; filename=\(Self.quotedString(fileName))"
        }
    }

    /// The text after the last dot, lowercased; empty when there is none (or only a
    /// leading one, as in `.bashrc`).
    static func fileExtension(of name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// An RFC 9110 §5.6.4 quoted-string. Uploaded names are already plain ASCII without
    /// quotes (`StoredFileName`); seeded names may be anything.
    static func quotedString(_ text: String) -> String {
        var quoted = "\""
        // By scalar, not Character: a quote followed by a combining mark is one Character,
        // unequal to `"`, and went out unescaped, ending the quoted-string early.
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }
}
