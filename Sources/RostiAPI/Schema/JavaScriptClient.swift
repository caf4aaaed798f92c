/// The CoreAPI client for browsers at `/static/rest_framework/js/coreapi-0.1.1.js`, where
/// DRF serves its own: `coreapi-0.1.1.js` beside this file, embedded at build time (CI runs
/// `node --check` on it). Rostra's code with the API and behaviour of DRF 3.9's bundle —
/// exports, constructors and defaults (`TokenAuthentication`'s scheme is `Bearer`), the
/// callbacks, the exceptions thrown before sending and their messages, the requests it
/// makes — so that a page written for the real service works the same here.
/// `scripts/coreapi-js-diff-test` runs both side by side against a built Rostra.
enum JavaScriptClient {
    static var bytes: [UInt8] { PackageResources.coreapi_0_1_1_js }
    static var source: String { String(decoding: bytes, as: UTF8.self) }
}
