'use strict'
// Rostra's dashboard. Every call goes to this server's admin API (/__admin/…) with the
// chosen tenant in X-Rostra-Tenant and, when the server asks for one, the admin token.
;(function () {
  var admin = '/__admin/'
  var pollMilliseconds = 1500
  var shownRequests = 100
  var tokenKey = 'rostra-admin-token'
  var tenantPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

  var state = {
    tenant: new URLSearchParams(location.search).get('tenant') || 'default',
    token: sessionStorage.getItem(tokenKey),
    confirmedTenant: false,
    settingsEdited: false,
    selectedRequest: null,
    newestRequest: null,
    timer: null
  }

  function $ (id) { return document.getElementById(id) }

  // Elements from data: text only, so nothing a client sent can become markup.
  function el (tag, attributes, children) {
    var node = document.createElement(tag)
    for (var name in attributes || {}) {
      if (name === 'onclick') node.addEventListener('click', attributes[name])
      else node.setAttribute(name, attributes[name])
    }
    ;[].concat(children === undefined ? [] : children).forEach(function (child) {
      if (child === null || child === undefined) return
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)))
    })
    return node
  }

  function replace (container, node) {
    while (container.firstChild) container.removeChild(container.firstChild)
    if (node) container.appendChild(node)
  }

  // columns: [{title, value: row => text or Node, className}]
  function table (columns, rows, rowAttributes) {
    if (!rows.length) return el('p', { class: 'empty' }, 'None.')
    var head = el('tr', {}, columns.map(function (column) { return el('th', {}, column.title) }))
    var body = rows.map(function (row) {
      return el('tr', rowAttributes ? rowAttributes(row) : {}, columns.map(function (column) {
        var value = column.value(row)
        return el('td', column.className ? { class: column.className } : {}, value === null || value === undefined ? '' : value)
      }))
    })
    return el('table', {}, [el('thead', {}, head), el('tbody', {}, body)])
  }

  function badge (text, kind) { return el('span', { class: 'badge ' + (kind || text) }, text) }
  function statusBadge (entry) {
    if (entry.outcome !== 'answered') return badge(entry.outcome)
    return badge(String(entry.status), 's' + String(entry.status).charAt(0) + 'xx')
  }
  function bytes (size) {
    if (size < 1024) return size + ' B'
    var units = ['KiB', 'MiB', 'GiB']
    var value = size
    for (var i = 0; i < units.length; i++) {
      value /= 1024
      if (value < 1024 || i === units.length - 1) return value.toFixed(value < 10 ? 1 : 0) + ' ' + units[i]
    }
  }
  function shortTime (iso) { return iso ? iso.replace('T', ' ').replace('Z', '') : '' }
  function button (text, action, className) {
    return el('button', { type: 'button', class: className || '', onclick: action }, text)
  }

  // The admin API -----------------------------------------------------------------------

  function AdminCallError (status, message, field) {
    this.status = status
    this.message = message
    this.field = field
  }

  // options.tenant === false: without X-Rostra-Tenant, so the call never makes a tenant.
  function call (method, path, body, options) {
    var headers = {}
    if (!options || options.tenant !== false) headers['X-Rostra-Tenant'] = state.tenant
    if (state.token) headers.Authorization = 'Bearer ' + state.token
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    return fetch(admin + path, {
      method: method, headers: headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null
        try { json = text ? JSON.parse(text) : null } catch (error) { json = null }
        if (response.status === 401) askForToken()
        if (!response.ok) {
          throw new AdminCallError(response.status, (json && json.error) || text || response.statusText, json && json.field)
        }
        return json
      })
    })
  }

  function describe (error) {
    if (error instanceof AdminCallError) return error.status + ': ' + error.message
    return String(error && error.message ? error.message : error)
  }

  // A change from the page: show its error where it belongs, then refresh at once.
  // Resolves to whether the server took it.
  function change (promise, errorElement) {
    if (errorElement) errorElement.textContent = ''
    return promise.then(function () { refresh(); return true }, function (error) {
      if (errorElement) errorElement.textContent = describe(error)
      else setStatus(describe(error), true)
      return false
    })
  }

  function setStatus (text, failing) {
    var status = $('status')
    status.textContent = text
    status.className = failing ? 'status failing' : 'status'
  }

  // The controls stay out of sight while there is nothing to show in them.
  function showControls (shown) {
    document.querySelector('main').hidden = !shown
  }

  function askForToken () {
    showControls(false)
    $('token-form').hidden = false
    setStatus('needs the admin token', true)
  }

  // Rendering ---------------------------------------------------------------------------

  function renderTenants (answer) {
    var select = $('tenant-select')
    var names = answer.tenants.map(function (tenant) { return tenant.name })
    var known = names.indexOf(state.tenant) >= 0
    if (!known) names.push(state.tenant)
    replace(select, null)
    names.forEach(function (name) {
      var option = el('option', { value: name }, name === 'default' ? 'default' : name)
      if (name === state.tenant) option.selected = true
      select.appendChild(option)
    })
    $('tenant-delete').hidden = state.tenant === 'default'
    return known
  }

  function renderClock (clock) {
    $('clock-now').textContent = shortTime(clock.now) + ' UTC'
    $('clock-mode').textContent = clock.mode
    $('clock-offset').textContent = (clock.offset_s >= 0 ? '+' : '') + clock.offset_s.toFixed(3) + ' s'
  }

  function renderMaintenance (switches) {
    $('maintenance-rosti').checked = !!switches.rosti
    $('maintenance-rosa').checked = !!switches.rosa
  }

  function renderSettings (settings) {
    $('setting-rate_limited_apis').textContent = settings.rate_limited_apis.join(', ') || 'none'
    $('setting-job_durations').textContent = Object.keys(settings.job_durations).map(function (kind) {
      var phases = settings.job_durations[kind]
      return kind + ' ' + phases.pending_s + ' + ' + phases.running_s + ' s'
    }).join(', ')
    if (state.settingsEdited) return
    Array.prototype.forEach.call($('settings-form').elements, function (input) {
      if (input.name && settings[input.name] !== undefined) input.value = settings[input.name]
    })
  }

  function ruleAction (rule) {
    var parts = []
    if (rule.status) parts.push('status ' + rule.status + (rule.location ? ' → ' + rule.location : ''))
    if (rule.drop) parts.push('drop')
    if (rule.garbage) parts.push('garbage')
    if (rule.delay_ms !== undefined) parts.push('delay ' + rule.delay_ms + (rule.delay_ms_max !== undefined ? '–' + rule.delay_ms_max : '') + ' ms')
    return parts.join(', ')
  }

  function renderFaults (answer) {
    $('faults-count').textContent = answer.faults.length ? '(' + answer.faults.length + ')' : ''
    replace($('faults-table'), table([
      { title: 'id', value: function (rule) { return rule.id }, className: 'number' },
      { title: 'api', value: function (rule) { return rule.api || 'both' } },
      { title: 'method', value: function (rule) { return rule.method || 'any' } },
      { title: 'path', value: function (rule) { return rule.path || '(any)' }, className: 'mono' },
      { title: 'does', value: ruleAction },
      { title: 'times', value: function (rule) { return rule.times === undefined ? 'always' : rule.times } },
      { title: 'probability', value: function (rule) { return rule.probability === undefined ? '' : rule.probability } },
      { title: 'seed', value: function (rule) { return rule.seed }, className: 'mono' },
      { title: 'fired', value: function (rule) { return rule.fired }, className: 'number' },
      { title: 'remaining', value: function (rule) { return rule.remaining === undefined ? '' : rule.remaining }, className: 'number' },
      { title: '', value: function (rule) {
        return button('Delete', function () { change(call('DELETE', 'faults/' + rule.id), $('fault-error')) }, 'danger')
      } }
    ], answer.faults, function (rule) { return { 'data-rule': rule.id } }))
  }

  function renderJobs (jobs) {
    $('jobs-count').textContent = '(' + jobs.length + ')'
    var newestFirst = jobs.slice().reverse()
    replace($('jobs-table'), table([
      { title: 'id', value: function (job) { return job.id }, className: 'number' },
      { title: 'company', value: function (job) { return job.company }, className: 'number' },
      { title: 'kind', value: function (job) { return job.kind } },
      { title: 'status', value: function (job) { return badge(job.status) } },
      { title: 'progress', value: function (job) {
        return el('span', {}, [el('progress', { max: '100', value: String(job.progress) }), ' ' + job.progress + ' %'])
      } },
      { title: 'app', value: function (job) { return job.app } },
      { title: 'snapshot', value: function (job) { return job.snapshot } },
      { title: 'message', value: function (job) { return job.message } },
      { title: 'created', value: function (job) { return shortTime(job.created) } },
      { title: 'finished', value: function (job) { return shortTime(job.finished) } },
      { title: '', value: function (job) {
        if (job.status !== 'pending' && job.status !== 'running') return ''
        return el('span', { class: 'buttons' }, [
          button('Complete', function () { change(call('POST', 'jobs/' + job.id + '/complete')) }),
          button('Fail', function () { change(call('POST', 'jobs/' + job.id + '/fail')) }, 'danger')
        ])
      } }
    ], newestFirst))
  }

  function list (id, answer, columns) {
    var shown = answer.rows.length
    $(id + '-count').textContent = '(' + answer.count + (shown < answer.count ? ', newest ' + shown + ' shown' : '') + ')'
    replace($(id), table(columns, answer.rows))
  }

  function column (title, key, className) {
    return { title: title, value: function (row) { return row[key] }, className: className }
  }

  // The PostgreSQL and MariaDB servers behind storages (shared by every tenant): their
  // state, where storages reach them, and the outage fault's Down and Up.
  function renderEngines (answer) {
    if (!answer || !answer.engines.length) {
      replace($('rosti-engines'), el('p', { class: 'empty' }, 'This server runs no database engines: storages are rows.'))
      return
    }
    replace($('rosti-engines'), table([
      { title: 'engine', value: function (engine) { return engine.product + ' (' + engine.engine + ')' } },
      { title: 'state', value: function (engine) { return badge(engine.state, engine.state === 'running' ? 'done' : engine.state === 'down' || engine.state === 'failed' || engine.state === 'not installed' ? 'failed' : 'pending') } },
      { title: 'address', value: function (engine) { return engine.port ? engine.hostname + ':' + engine.port : '' }, className: 'mono' },
      { title: 'pid', value: function (engine) { return engine.pid || '' }, className: 'number' },
      { title: 'detail', value: function (engine) {
        if (engine.install) return 'missing ' + engine.missing.join(', ') + ' — ' + engine.install
        return engine.problem || engine.detail || ''
      } },
      { title: '', value: function (engine) {
        if (engine.state === 'not installed') return ''
        return el('span', { class: 'buttons' }, [
          button('Down', function () { change(call('POST', 'engines/' + engine.engine + '/down')) }, 'danger'),
          button('Up', function () { change(call('POST', 'engines/' + engine.engine + '/up')) })
        ])
      } }
    ], answer.engines))
  }

  // A storage is a database where its engine runs here: its address is the engine's; where
  // the engine is missing, the row says so with the install command.
  function storageDatabase (row, engines) {
    var engine = engines && engines.engines.filter(function (candidate) { return candidate.engine === row.engine })[0]
    if (!engine) return 'row only'
    if (engine.install) return 'row only — ' + engine.install
    return engine.state + (engine.port ? ' on ' + engine.hostname + ':' + engine.port : '')
  }

  function renderOverview (overview, engines) {
    var rosti = overview.rosti
    var rosa = overview.rosa
    list('rosti-accounts', rosti.accounts, [
      column('id', 'id', 'number'), column('e-mail', 'email'), column('name', 'name'),
      column('token', 'token', 'mono'),
      { title: 'companies', value: function (row) {
        return row.companies.map(function (id) { return id === row.default_company ? id + ' (default)' : id }).join(', ')
      } },
      { title: 'created', value: function (row) { return shortTime(row.created) } }
    ])
    list('rosti-companies', rosti.companies, [
      column('id', 'id', 'number'), column('name', 'name'), column('members', 'members', 'number'),
      column('apps', 'apps', 'number'), column('storages', 'storages', 'number'),
      column('snapshots', 'snapshots', 'number'),
      { title: 'created', value: function (row) { return shortTime(row.created) } }
    ])
    list('rosti-apps', rosti.apps, [
      column('id', 'id', 'number'), column('company', 'company', 'number'), column('name', 'name'),
      column('image', 'image', 'mono'), column('plan', 'plan'),
      { title: 'enabled', value: function (row) { return row.enabled ? 'yes' : 'no' } },
      { title: 'domains', value: function (row) { return row.domains.join(', ') } },
      column('mode', 'mode'),
      column('SSH', 'ssh', 'mono'),
      // The app through Rostra's front door (null without one).
      { title: 'open', value: function (row) { return row.open ? el('a', { href: row.open, target: '_blank' }, row.open) : '' }, className: 'mono' },
      { title: 'created', value: function (row) { return shortTime(row.created) } }
    ])
    list('rosti-storages', rosti.storages, [
      column('id', 'id', 'number'), column('company', 'company', 'number'), column('engine', 'engine'),
      column('name', 'name', 'mono'), column('user', 'username', 'mono'),
      { title: 'database', value: function (row) { return storageDatabase(row, engines) }, className: 'mono' },
      column('note', 'note'),
      { title: 'created', value: function (row) { return shortTime(row.created) } }
    ])
    list('rosti-snapshots', rosti.snapshots, [
      column('id', 'id', 'number'), column('company', 'company', 'number'),
      { title: 'app', value: function (row) { return row.app_name + (row.app === null ? ' (deleted)' : ' (' + row.app + ')') } },
      { title: 'status', value: function (row) { return badge(row.status) } },
      { title: 'size', value: function (row) { return bytes(row.size) }, className: 'number' },
      column('note', 'note'),
      { title: 'created', value: function (row) { return shortTime(row.created) } }
    ])
    list('rosa-users', rosa.users, [
      column('id', 'id', 'number'), column('login', 'uname', 'mono'), column('e-mail', 'email'),
      column('password', 'password', 'mono'), column('token', 'token', 'mono'), column('role', 'role'),
      { title: 'created', value: function (row) { return shortTime(row.created) } }
    ])
    list('rosa-files', rosa.files, [
      column('id', 'id', 'number'), column('file', 'file_name', 'mono'),
      { title: 'size', value: function (row) { return bytes(row.size) }, className: 'number' },
      column('owner', 'owner', 'mono'), column('sha1', 'sha1', 'mono'), column('type', 'content_type'),
      { title: 'uploaded', value: function (row) { return shortTime(row.created) } }
    ])
  }

  function journalQuery () {
    var parameters = new URLSearchParams()
    Array.prototype.forEach.call($('journal-filter').elements, function (input) {
      if (input.name && input.value.trim()) parameters.set(input.name, input.value.trim())
    })
    parameters.set('limit', String(shownRequests))
    return 'requests?' + parameters.toString()
  }

  function renderJournal (answer) {
    $('journal-error').textContent = ''
    $('journal-count').textContent = '(' + answer.count + ' shown of ' + answer.kept + ' kept, ' + answer.evicted + ' evicted; journal_size ' + answer.journal_size + ')'
    var previousNewest = state.newestRequest
    state.newestRequest = answer.requests.length ? answer.requests[0].id : previousNewest
    replace($('journal-table'), table([
      { title: 'time', value: function (entry) { return shortTime(entry.time).slice(11) }, className: 'mono' },
      { title: 'api', value: function (entry) { return entry.api } },
      { title: 'method', value: function (entry) { return entry.method } },
      { title: 'path', value: function (entry) { return entry.path + (entry.query ? '?' + entry.query : '') }, className: 'mono' },
      { title: 'status', value: statusBadge },
      { title: 'ms', value: function (entry) { return entry.duration_ms.toFixed(2) }, className: 'number' },
      { title: 'fault', value: function (entry) { return entry.fault || '' } }
    ], answer.requests, function (entry) {
      var classes = []
      if (entry.id === state.selectedRequest) classes.push('selected')
      if (previousNewest !== null && entry.id > previousNewest) classes.push('fresh')
      return {
        'data-request': entry.id, class: classes.join(' '),
        onclick: function () { showRequest(entry) }
      }
    }))
  }

  function showRequest (entry) {
    var detail = $('journal-detail')
    if (state.selectedRequest === entry.id) {
      state.selectedRequest = null
      detail.hidden = true
      return
    }
    state.selectedRequest = entry.id
    detail.textContent = JSON.stringify(entry, null, 2)
    detail.hidden = false
  }

  // Polling -----------------------------------------------------------------------------

  function refresh () {
    clearTimeout(state.timer)
    state.timer = null
    return call('GET', 'tenants', undefined, { tenant: false }).then(function (tenants) {
      $('token-form').hidden = true
      var known = renderTenants(tenants)
      // Confirming makes the tenant once; if it is deleted later, the page asks again
      // rather than have its polling make it anew.
      if (known) state.confirmedTenant = false
      else if (!state.confirmedTenant) {
        $('tenant-missing-name').textContent = state.tenant
        $('tenant-missing').hidden = false
        showControls(false)
        setStatus('no tenant ' + state.tenant, true)
        return
      }
      $('tenant-missing').hidden = true
      var calls = [
        call('GET', 'clock').then(renderClock),
        call('GET', 'maintenance').then(renderMaintenance),
        call('GET', 'settings').then(renderSettings),
        call('GET', 'faults').then(renderFaults),
        // Storages are shown with their engine's state: both answers first.
        Promise.all([
          call('GET', 'overview'),
          call('GET', 'engines').then(function (engines) { return engines }, function (error) {
            // Only the Rosti module adds the engines calls; a server without it has none.
            if (error.status !== 404) throw error
            return null
          })
        ]).then(function (answers) {
          renderEngines(answers[1])
          renderOverview(answers[0], answers[1])
        }),
        call('GET', 'jobs').then(renderJobs, function (error) {
          // Only the Rosti module adds the jobs calls; a server without it has none.
          if (error.status !== 404) throw error
          replace($('jobs-table'), el('p', { class: 'empty' }, 'This server has no Rosti jobs calls.'))
        })
      ]
      if (!$('journal-pause').checked) {
        calls.push(call('GET', journalQuery()).then(renderJournal, function (error) {
          // A filter being typed may not be valid yet: say so beside the filter.
          if (error.status !== 400) throw error
          $('journal-error').textContent = describe(error)
        }))
      }
      return Promise.all(calls).then(function () {
        showControls(true)
        setStatus('tenant ' + state.tenant + ' · updated ' + new Date().toLocaleTimeString())
        document.body.setAttribute('data-loaded', state.tenant)
      })
    }).catch(function (error) {
      setStatus(describe(error), true)
    }).then(function () {
      clearTimeout(state.timer)
      state.timer = setTimeout(refresh, pollMilliseconds)
    })
  }

  function openTenant (name, confirmed) {
    state.tenant = name
    state.confirmedTenant = !!confirmed
    state.newestRequest = null
    state.selectedRequest = null
    $('journal-detail').hidden = true
    var url = new URL(location.href)
    if (name === 'default') url.searchParams.delete('tenant')
    else url.searchParams.set('tenant', name)
    history.replaceState(null, '', url.toString())
    refresh()
  }

  // Controls ----------------------------------------------------------------------------

  function number (input) {
    var text = input.value.trim()
    return text === '' ? undefined : Number(text)
  }

  function faultRule () {
    var rule = {}
    var form = $('fault-form')
    if (form.api.value) rule.api = form.api.value
    if (form.method.value) rule.method = form.method.value
    if (form.path.value.trim()) rule.path = form.path.value.trim()
    if (form.action.value === 'status') rule.status = number(form.status)
    if (form.action.value === 'drop') rule.drop = true
    if (form.action.value === 'garbage') rule.garbage = true
    ;['delay_ms', 'times', 'probability'].forEach(function (name) {
      var value = number(form[name])
      if (value !== undefined) rule[name] = value
    })
    return rule
  }

  function wire () {
    $('token-form').addEventListener('submit', function (event) {
      event.preventDefault()
      state.token = $('token-input').value.trim()
      sessionStorage.setItem(tokenKey, state.token)
      refresh()
    })
    $('tenant-select').addEventListener('change', function () { openTenant($('tenant-select').value, true) })
    $('tenant-form').addEventListener('submit', function (event) {
      event.preventDefault()
      var name = $('tenant-new').value.trim()
      if (!name) return
      if (!tenantPattern.test(name)) {
        setStatus('"' + name + '" is not a tenant name: letters, digits, . _ -, at most 64, starting with a letter or digit', true)
        return
      }
      $('tenant-new').value = ''
      openTenant(name, true)
    })
    $('tenant-create').addEventListener('click', function () { openTenant(state.tenant, true) })
    $('tenant-default').addEventListener('click', function () { openTenant('default', true) })
    $('tenant-reset').addEventListener('click', function () {
      if (confirm('Reset tenant ' + state.tenant + ' to the seed? Its data, files, clock, fault rules and journal go.')) {
        change(call('POST', 'reset', {}))
      }
    })
    $('tenant-delete').addEventListener('click', function () {
      if (state.tenant === 'default') return
      if (confirm('Delete tenant ' + state.tenant + ' with everything it holds?')) {
        call('DELETE', 'tenants/' + encodeURIComponent(state.tenant), undefined, { tenant: false })
          .then(function () { openTenant('default', true) }, function (error) { setStatus(describe(error), true) })
      }
    })

    Array.prototype.forEach.call(document.querySelectorAll('[data-seconds]'), function (control) {
      control.addEventListener('click', function () {
        change(call('POST', 'clock/advance', { seconds: Number(control.getAttribute('data-seconds')) }))
      })
    })
    $('clock-advance-form').addEventListener('submit', function (event) {
      event.preventDefault()
      var seconds = number($('clock-advance-seconds'))
      if (seconds === undefined) return
      change(call('POST', 'clock/advance', { seconds: seconds }))
    })
    $('clock-freeze').addEventListener('click', function () { change(call('PUT', 'clock', { mode: 'frozen' })) })
    $('clock-real').addEventListener('click', function () { change(call('PUT', 'clock', { mode: 'real' })) })

    ;['rosti', 'rosa'].forEach(function (api) {
      var toggle = $('maintenance-' + api)
      toggle.addEventListener('change', function () {
        change(call('PUT', 'maintenance', { api: api, enabled: toggle.checked })).then(function (taken) {
          if (!taken) toggle.checked = !toggle.checked
        })
      })
    })

    $('settings-form').addEventListener('input', function () { state.settingsEdited = true })
    $('settings-form').addEventListener('submit', function (event) {
      event.preventDefault()
      var changed = {}
      Array.prototype.forEach.call($('settings-form').elements, function (input) {
        if (!input.name) return
        changed[input.name] = input.tagName === 'SELECT' ? input.value : number(input)
      })
      change(call('PUT', 'settings', changed), $('settings-error')).then(function (taken) {
        if (taken) state.settingsEdited = false
      })
    })
    $('settings-revert').addEventListener('click', function () {
      state.settingsEdited = false
      $('settings-error').textContent = ''
      refresh()
    })

    $('fault-form').addEventListener('submit', function (event) {
      event.preventDefault()
      change(call('POST', 'faults', faultRule()), $('fault-error'))
    })
    $('faults-clear').addEventListener('click', function () { change(call('DELETE', 'faults'), $('fault-error')) })

    $('journal-filter').addEventListener('submit', function (event) { event.preventDefault(); refresh() })
    $('journal-filter').addEventListener('change', function () { state.newestRequest = null; refresh() })
    $('journal-clear').addEventListener('click', function () { change(call('DELETE', 'requests'), $('journal-error')) })
  }

  // Health needs no token and says which API this port serves: on the Rosti port the
  // page links the API's browser demo.
  // It also lists the real parts (sshd, bubblewrap, …) the machine lacks, with how to
  // install each.
  fetch(admin + 'health', { cache: 'no-store' }).then(function (response) { return response.json() }).then(function (health) {
    $('api-demo').hidden = health.api !== 'rosti'
    var missing = health.missing || []
    var list = $('parts-missing-list')
    replace(list, null)
    missing.forEach(function (part) {
      var what = part.install ? 'missing — ' + part.install : part.problem + ' — ' + part.remedy
      list.appendChild(el('li', {}, part.part + ' (' + part.needed_for + '): ' + what))
    })
    $('parts-missing').hidden = missing.length === 0
  }, function () {})

  wire()
  refresh()
})()