/// The script of the documentation page's "try it" forms: `try-it.js` beside this file,
/// embedded at build time (CI runs `node --check` on it) and put inline into the page.
/// Each form names its link's keys (`data-keys`) and holds one input per field
/// (`data-location`, `data-type`); the script turns the inputs into parameters and performs
/// the call through the CoreAPI client the page loads, with its public API only —
/// `client.action(window.schema, keys, params)`, the request and response callbacks, the
/// client's exceptions — as any browser app written for DRF's client would, with the token
/// the user pasted, then shows the status and the body as text.
enum TryItScript {
    static var javaScript: String { String(decoding: PackageResources.try_it_js, as: UTF8.self) }
}
