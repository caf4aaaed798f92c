import HTTP

/// The dashboard's HTML: the frame the script fills. Every element the script writes into
/// or listens to has an `id`; everything shown comes from the JSON calls and is put in as
/// text by the script, never as markup.
enum DashboardPage {
    static let contentType = "text/html; charset=utf-8"

    /// Everything the page loads is its own (style sheet, script, JSON calls), so the
    /// policy allows nothing else: text from clients that ends up on the page can never
    /// run as script. The empty `data:` icon keeps the browser from asking the emulated
    /// API for `/favicon.ico`, which would land in the journal as a request of the user's. `no-cache` makes a browser check for a newer Rostra's files.
    static let headers: HTTPHeaders = [
        "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    ]

    static var html: String {
        let version = HTMLText.escape(RostraVersion.string)
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Rostra dashboard</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="\(HTMLText.escape(AdminRoutes.dashboardStylePath))">
            <script src="\(HTMLText.escape(AdminRoutes.dashboardScriptPath))" defer></script>
            </head>
            <body>
            <header>
              <h1>Rostra <span class="version">\(version)</span></h1>
              <form id="tenant-form" class="tenant">
                <label>Tenant <select id="tenant-select" aria-label="tenant"></select></label>
                <input id="tenant-new" placeholder="new tenant name" size="16" aria-label="new tenant name">
                <button type="submit" id="tenant-use">Open</button>
                <button type="button" id="tenant-reset" class="danger" title="Data, files, clock, fault rules, journal and counters back as new">Reset tenant</button>
                <button type="button" id="tenant-delete" class="danger">Delete tenant</button>
              </form>
              <span id="status" class="status" role="status">loading…</span>
            </header>
            <form id="token-form" class="token" hidden>
              <p>This Rostra was started with <code>--admin-token</code>. Paste the token to use the dashboard
              (it is kept in this browser tab only).</p>
              <input id="token-input" type="password" placeholder="admin token" size="40" aria-label="admin token" autocomplete="off">
              <button type="submit">Use token</button>
            </form>
            <div id="tenant-missing" class="notice" hidden>
              <p>There is no tenant <code id="tenant-missing-name"></code> yet. Opening it makes it from the seed.</p>
              <button type="button" id="tenant-create">Make it</button> <button type="button" id="tenant-default">Open the default tenant</button>
            </div>
            <noscript><p class="notice">The dashboard needs JavaScript: it reads everything through the admin API
            (<a href="/__admin/openapi.json">openapi.json</a>).</p></noscript>
            <nav>
              <a href="#controls">Controls</a> · <a href="#faults">Fault rules</a> · <a href="#jobs">Jobs</a> ·
              <a href="#rosti">Rosti API</a> · <a href="#rosa">Rosa File Store</a> · <a href="#journal">Requests</a> ·
              <a href="openapi.json">openapi.json</a><span id="api-demo" hidden> · <a href="/api/">the Rosti API's browser demo</a></span>
            </nav>
            <main>
            <section id="controls" class="cards">
              <div class="card">
                <h2>Clock</h2>
                <p class="clock"><span id="clock-now">–</span></p>
                <p>Mode <b id="clock-mode">–</b>, offset <span id="clock-offset">–</span></p>
                <div class="buttons">
                  <button type="button" id="clock-advance-minute" data-seconds="60">+1 min</button>
                  <button type="button" id="clock-advance-hour" data-seconds="3600">+1 hour</button>
                  <button type="button" id="clock-advance-day" data-seconds="86400">+1 day</button>
                </div>
                <form id="clock-advance-form" class="inline">
                  <input id="clock-advance-seconds" type="number" min="0" step="any" placeholder="seconds" size="8" aria-label="seconds to advance">
                  <button type="submit">Advance</button>
                </form>
                <div class="buttons">
                  <button type="button" id="clock-freeze">Freeze</button>
                  <button type="button" id="clock-real">Back to real time</button>
                </div>
              </div>
              <div class="card">
                <h2>Maintenance</h2>
                <p class="hint">The whole service's switch, for every tenant: the API answers every request 503 with its documented body.</p>
                <label class="switch"><input type="checkbox" id="maintenance-rosti"> <span>Rosti API</span></label>
                <label class="switch"><input type="checkbox" id="maintenance-rosa"> <span>Rosa File Store API</span></label>
              </div>
              <div class="card">
                <h2>Settings</h2>
                <form id="settings-form" class="grid">
                  <label for="setting-latency_ms">latency_ms</label><input id="setting-latency_ms" name="latency_ms" type="number" min="0">
                  <label for="setting-language">language</label><select id="setting-language" name="language"><option>cs</option><option>en</option></select>
                  <label for="setting-rate_limit">rate_limit</label><input id="setting-rate_limit" name="rate_limit" type="number" min="0">
                  <label for="setting-rate_window_s">rate_window_s</label><input id="setting-rate_window_s" name="rate_window_s" type="number" min="1">
                  <label for="setting-journal_size">journal_size</label><input id="setting-journal_size" name="journal_size" type="number" min="0">
                  <label for="setting-max_tenants">max_tenants</label><input id="setting-max_tenants" name="max_tenants" type="number" min="0">
                  <span></span><span><button type="submit">Save</button> <button type="button" id="settings-revert">Revert</button></span>
                </form>
                <p class="hint">Shared by every tenant. Also: rate-limited APIs <span id="setting-rate_limited_apis"></span>;
                job durations <span id="setting-job_durations"></span>.</p>
                <p id="settings-error" class="error"></p>
              </div>
            </section>

            <section id="faults">
              <h2>Fault rules <small id="faults-count"></small></h2>
              <form id="fault-form" class="inline wrap">
                <label>API <select name="api" id="fault-api"><option value="">both</option><option>rosti</option><option>rosa</option></select></label>
                <label>method <select name="method" id="fault-method"><option value="">any</option><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option><option>HEAD</option></select></label>
                <label>path <input name="path" id="fault-path" placeholder="regex, e.g. ^/api/v1/upload" size="22"></label>
                <label>does <select name="action" id="fault-action">
                  <option value="status">answer a status</option><option value="drop">drop the connection</option>
                  <option value="garbage">answer garbage</option><option value="delay">only delay</option></select></label>
                <label>status <input name="status" id="fault-status" type="number" min="300" max="599" value="503" size="4"></label>
                <label>delay ms <input name="delay_ms" id="fault-delay" type="number" min="0" size="6"></label>
                <label>times <input name="times" id="fault-times" type="number" min="1" size="4" placeholder="always"></label>
                <label>probability <input name="probability" id="fault-probability" type="number" min="0" max="1" step="any" size="4" placeholder="1"></label>
                <button type="submit" id="fault-add">Add rule</button>
                <button type="button" id="faults-clear" class="danger">Delete all</button>
              </form>
              <p id="fault-error" class="error"></p>
              <div id="faults-table"></div>
            </section>

            <section id="jobs">
              <h2>Rosti jobs <small id="jobs-count"></small></h2>
              <div id="jobs-table"></div>
            </section>

            <section id="rosti">
              <h2>Rosti API</h2>
              <h3>Accounts <small id="rosti-accounts-count"></small></h3><div id="rosti-accounts"></div>
              <h3>Companies <small id="rosti-companies-count"></small></h3><div id="rosti-companies"></div>
              <h3>Apps <small id="rosti-apps-count"></small></h3><div id="rosti-apps"></div>
              <h3>Storages <small id="rosti-storages-count"></small></h3><div id="rosti-storages"></div>
              <h3>Snapshots <small id="rosti-snapshots-count"></small></h3><div id="rosti-snapshots"></div>
            </section>

            <section id="rosa">
              <h2>Rosa File Store API</h2>
              <h3>Users <small id="rosa-users-count"></small></h3><div id="rosa-users"></div>
              <h3>Files <small id="rosa-files-count"></small></h3><div id="rosa-files"></div>
            </section>

            <section id="journal">
              <h2>Requests <small id="journal-count"></small></h2>
              <form id="journal-filter" class="inline wrap">
                <label>API <select name="api"><option value="">both</option><option>rosti</option><option>rosa</option></select></label>
                <label>method <input name="method" size="6" placeholder="any"></label>
                <label>path <input name="path" size="18" placeholder="regex"></label>
                <label>status <input name="status" size="7" placeholder="404, 5xx, dropped"></label>
                <label class="switch"><input type="checkbox" id="journal-pause"> <span>pause</span></label>
                <button type="button" id="journal-clear" class="danger">Clear</button>
              </form>
              <p id="journal-error" class="error"></p>
              <div id="journal-table"></div>
              <pre id="journal-detail" hidden></pre>
            </section>
            </main>
            <footer>Rostra \(version) · the JSON calls behind this page: <a href="openapi.json">openapi.json</a> (docs/admin-api.md)</footer>
            </body>
            </html>

            """
    }
}
