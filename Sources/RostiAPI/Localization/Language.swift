import HTTP

/// The languages the Rosti API answers in. The live service answers in Czech when a client
/// names no language; the emulator uses its configured default (`language` in the settings,
/// Czech unless changed).
enum Language: String, Sendable, CaseIterable {
    case cs
    case en

    /// Django's `LocaleMiddleware` choice: the `Accept-Language` entries by quality, the
    /// first one whose language (`cs` of `cs-CZ`) we speak; otherwise the default, which is
    /// only read when needed (it comes from the shared settings, behind a lock every
    /// request would otherwise contend for).
    static func negotiate(acceptLanguage header: String?, default fallback: @autoclosure () -> String) -> Language {
        guard let header, !header.isEmpty else { return Language(configured: fallback()) }
        var best: (language: Language, quality: Double, position: Int)?
        for (position, entry) in header.split(separator: ",").enumerated() {
            // An entry of only `;` splits into nothing (`Accept-Language: ;` once ended the
            // process here).
            let parts = entry.split(separator: ";")
            guard let first = parts.first else { continue }
            let tag = first.trimmingHTTPWhitespace().lowercased()
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingHTTPWhitespace()
                if pair.hasPrefix("q=") { quality = Double(pair.dropFirst(2)) ?? 0 }
            }
            guard quality > 0, let primary = tag.split(separator: "-").first,
                  let language = Language(rawValue: String(primary))
            else { continue }
            if best == nil || quality > best!.quality { best = (language, quality, position) }
        }
        return best?.language ?? Language(configured: fallback())
    }

    /// The settings' language (`cs`, `en`, also `en-US` …); unknown names fall back to Czech.
    init(configured name: String) {
        let primary = name.lowercased().split(separator: "-").first.map(String.init) ?? ""
        self = Language(rawValue: primary) ?? .cs
    }
}

extension Request {
    /// The language of this request's answers.
    func language(default fallback: @autoclosure () -> String) -> Language {
        Language.negotiate(acceptLanguage: headers["Accept-Language"], default: fallback())
    }
}
