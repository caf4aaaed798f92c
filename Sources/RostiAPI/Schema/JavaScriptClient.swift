/// The CoreAPI client for browsers at `/static/rest_framework/js/coreapi-0.1.1.js`:
/// `coreapi-0.1.1.js` beside this file, embedded at build time (CI runs `node --check` on
/// it). Written for Rostra (not DRF's bundle): `window.coreapi` with `Client`, `auth`,
/// `codecs`, and `client.action(schema, keys, params)` returning a Promise. It decodes the
/// document that `/api/schema.js` embeds, builds requests from a link's fields as the
/// Python `coreapi` package does (path fields into the URL template, query fields into the
/// query, form fields into a JSON body), and refuses unknown or missing parameters before
/// sending.
enum JavaScriptClient {
    static var bytes: [UInt8] { PackageResources.coreapi_0_1_1_js }
    static var source: String { String(decoding: bytes, as: UTF8.self) }
}
