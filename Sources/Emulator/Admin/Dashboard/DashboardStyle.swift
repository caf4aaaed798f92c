/// The dashboard's style sheet, served at `/__admin/dashboard.css`.
enum DashboardStyle {
    static let contentType = "text/css; charset=utf-8"

    static let css = #"""
:root { --line: #d8dce3; --muted: #667085; --accent: #1f5fbf; --bad: #b42318; --good: #067647; --warn: #b54708; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2433; background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1.2rem; background: #1d2433; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
header .version { font-weight: normal; color: #aab4c5; font-size: .9rem; }
header select, header input { font: inherit; }
.tenant { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; margin: 0; }
.status { margin-left: auto; color: #aab4c5; font-size: .85rem; }
.status.failing { color: #ffb4a8; }
nav { padding: .4rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
nav a { color: var(--accent); text-decoration: none; }
main { padding: 0 1.2rem 1rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .4rem 1rem .8rem; margin: 1rem 0; }
section.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .4rem 1rem .8rem; }
h2 { font-size: 1.05rem; margin: .5rem 0; }
h3 { font-size: .95rem; margin: .9rem 0 .3rem; }
small { color: var(--muted); font-weight: normal; }
.hint { color: var(--muted); font-size: .85rem; margin: .3rem 0; }
.error { color: var(--bad); margin: .3rem 0; min-height: 0; }
.error:empty { display: none; }
.notice, .token { margin: 1rem 1.2rem 0; padding: .6rem 1rem; border: 1px solid #f5c26b; background: #fffaeb; border-radius: 6px; }
.clock { font: 600 1.25rem ui-monospace, "SFMono-Regular", Menlo, monospace; margin: .2rem 0; }
.buttons { display: flex; gap: .4rem; flex-wrap: wrap; margin: .4rem 0; }
form.inline { display: flex; gap: .4rem; align-items: center; margin: .4rem 0; }
form.wrap { flex-wrap: wrap; }
form.grid { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .6rem; align-items: center; }
form.grid label { font-family: ui-monospace, Menlo, monospace; font-size: .85rem; }
input, select, button { font: inherit; }
input, select { padding: .15rem .3rem; border: 1px solid #b8bfcc; border-radius: 4px; background: #fff; }
button { padding: .2rem .7rem; border: 1px solid #b8bfcc; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.danger { color: var(--bad); }
header button { background: #2c3547; color: #fff; border-color: #4a5568; }
header button.danger { color: #ffb4a8; }
label.switch { display: flex; align-items: center; gap: .5rem; margin: .4rem 0; cursor: pointer; }
label.switch input { width: 2.2rem; height: 1.2rem; appearance: none; border-radius: 1rem; background: #c9ced8; position: relative; border: 0; cursor: pointer; }
label.switch input::after { content: ""; position: absolute; top: .15rem; left: .15rem; width: .9rem; height: .9rem; border-radius: 50%; background: #fff; transition: left .15s; }
label.switch input:checked { background: var(--bad); }
label.switch input:checked::after { left: 1.15rem; }
#journal-pause:checked { background: var(--warn); }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; background: #fafbfc; position: sticky; top: 2rem; }
td.mono, td code { font-family: ui-monospace, Menlo, monospace; font-size: .8rem; word-break: break-all; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); font-style: italic; margin: .3rem 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .78rem; font-weight: 600; background: #eef0f4; }
.badge.pending { background: #eef4ff; color: var(--accent); }
.badge.running { background: #fef0c7; color: var(--warn); }
.badge.done, .badge.ready, .badge.s2xx { background: #dcfae6; color: var(--good); }
.badge.failed, .badge.s5xx, .badge.dropped, .badge.garbage { background: #fee4e2; color: var(--bad); }
.badge.s4xx { background: #fef0c7; color: var(--warn); }
.badge.s3xx { background: #eef4ff; color: var(--accent); }
progress { width: 6rem; vertical-align: middle; }
#journal-table tr { cursor: pointer; }
#journal-table tr.selected td { background: #eef4ff; }
#journal-table tr.fresh td { animation: fresh 1.5s ease-out; }
@keyframes fresh { from { background: #fff6d6; } to { background: transparent; } }
pre { background: #f4f5f7; padding: .6rem; border-radius: 4px; overflow-x: auto; font-size: .8rem; }
footer { color: var(--muted); font-size: .8rem; padding: 0 1.2rem 1.2rem; }
footer a { color: var(--accent); }
"""#
}
