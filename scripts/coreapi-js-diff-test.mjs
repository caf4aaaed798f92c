// The differential test of the CoreAPI JavaScript client (run by scripts/coreapi-js-diff-test).
//
// Loads DRF's own bundle (djangorestframework 3.9.4) and the client a Rostra serves at
// the same path, each in a window of its own (a node:vm context with the browser globals
// the bundles use), and makes the same calls through both against that Rostra: the
// exports, constructors and defaults, decoding (the served schema and hand-made documents
// with awkward URLs and keys), the request each link kind builds, live calls of every
// method with each auth class, the callbacks, missing and unknown parameters, unknown
// links, and answers of 400, 401 and 404. Before each run the Rostra is reset and its clock
// frozen, so both runs see the same data. Each case's observation — results, exceptions
// (class, name, message, own keys), callback arguments, and the requests as Rostra's
// journal records them (method, path, query, headers, body) — must be the same for both.
//
// Usage: node scripts/coreapi-js-diff-test.mjs ROSTI_BASE_URL DRF_BUNDLE_PATH
//   ROSTI_BASE_URL: the Rosti port of a running Rostra, e.g. http://127.0.0.1:8000/
import vm from 'node:vm'
import { readFile, writeFile } from 'node:fs/promises'
import { isDeepStrictEqual } from 'node:util'

const [base, drfBundlePath] = process.argv.slice(2)
if (!base || !drfBundlePath) {
  console.error('usage: node coreapi-js-diff-test.mjs ROSTI_BASE_URL DRF_BUNDLE_PATH')
  process.exit(2)
}
const seedToken = 'rostidemo0000000000000000000000000000001'
const frozenAt = '2026-01-01T12:00:00Z'
// Answer headers that differ between any two runs whatever the client: the wall-clock
// date and the server's request counter.
const perRunHeaders = new Set(['date', 'x-request-id'])

async function admin (method, path, body) {
  const response = await fetch(base + '__admin/' + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': 'application/json' }
  })
  if (!response.ok) throw new Error(`${method} /__admin/${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

// Values the server makes at random (a new app's SMTP token) or picks from what is free (an
// app's SSH port in ssh_access: the two clients' runs may get different ones), wherever they
// show: in decoded results and in the answer texts the callbacks see.
function withoutRandomValues (observation, inSSHAccess = false) {
  if (typeof observation === 'string') {
    return observation.replace(/("smtp_token": ?")[0-9a-f]+"/g, '$1<random>"')
      .replace(/("hostname": ?"[^"]*", ?"port": ?)[0-9]+/g, '$1"<a free port>"')
  }
  if (Array.isArray(observation)) return observation.map(item => withoutRandomValues(item, inSSHAccess))
  if (observation === null || typeof observation !== 'object') return observation
  return Object.fromEntries(Object.entries(observation).map(([key, value]) =>
    [key, key === '.smtp_token' ? '<random>'
      : inSSHAccess && key === '.port' ? '<a free port>'
        : withoutRandomValues(value, inSSHAccess || key === '.ssh_access')]))
}

// --- a window per bundle -------------------------------------------------------------

// What the bundles touch: window (and self) as the global object, location (relative
// URLs resolve against it), document.cookie (SessionAuthentication), fetch, FormData, btoa
// and atob. The page is the Rosti API's /api/ page of this Rostra.
function makeWindow () {
  const page = new URL(base + 'api/')
  const context = {
    location: {
      href: page.href, protocol: page.protocol, host: page.host, hostname: page.hostname, port: page.port,
      pathname: page.pathname, search: page.search, hash: page.hash, origin: page.origin
    },
    document: { cookie: '' },
    fetch, FormData, Blob, atob, btoa, console, setTimeout, clearTimeout
  }
  context.window = context
  context.self = context
  vm.createContext(context)
  // The window's own Error, to tell errors made in it (the sandbox object does not show
  // the built-ins of the realm it stands for).
  Object.defineProperty(context, '@Error', { value: vm.runInContext('Error', context), enumerable: false })
  return context
}

function load (window, source, filename) {
  vm.runInContext(source, window, { filename })
}

// --- observations: realm-independent descriptions of what a page can see ---------------

function describe (value, window, depth = 0) {
  if (depth > 40) return '<too deep>'
  if (value === undefined) return { '@undefined': true }
  if (typeof value === 'number' && !Number.isFinite(value)) return { '@number': String(value) }
  if (value === null || typeof value !== 'object' && typeof value !== 'function') return value
  if (typeof value === 'function') return { '@function': value.name, length: value.length }
  if (Array.isArray(value)) return Array.from(value, (item) => describe(item, window, depth + 1))
  const prototype = Object.getPrototypeOf(value)
  const observed = { '@class': prototype === null ? null : prototype.constructor && prototype.constructor.name }
  if (value instanceof window.FormData || value instanceof FormData) {
    observed.entries = [...value.entries()].map(([name, item]) => [name, typeof item === 'string' ? item : String(item)])
    return observed
  }
  if (value instanceof Response) return describeResponse(value, window)
  if (value instanceof window['@Error'] || value instanceof Error) {
    observed['@error'] = {
      name: value.name,
      message: value.message,
      string: String(value),
      instanceOf: instanceChecks(value, window)
    }
  }
  // Own enumerable keys in order (that is what for…in, Object.keys and JSON see), and the
  // values under them.
  observed.keys = Object.keys(value)
  for (const key of observed.keys) observed['.' + key] = describe(value[key], window, depth + 1)
  return observed
}

function instanceChecks (value, window) {
  const errors = window.coreapi ? window.coreapi.errors : {}
  const checks = { Error: value instanceof window['@Error'] }
  for (const name of Object.keys(errors)) checks[name] = value instanceof errors[name]
  return checks
}

function describeResponse (response) {
  const headers = []
  response.headers.forEach((value, name) => { if (!perRunHeaders.has(name)) headers.push([name, value]) })
  return { '@class': 'Response', status: response.status, statusText: response.statusText, ok: response.ok, url: response.url, headers }
}

// What one call does: whether it throws at once or returns a promise, and how that settles.
async function outcome (window, call) {
  let returned
  try {
    returned = call()
  } catch (error) {
    return { threw: describe(error, window) }
  }
  if (!returned || typeof returned.then !== 'function') return { returned: describe(returned, window) }
  try {
    return { resolved: describe(await returned, window) }
  } catch (error) {
    return { rejected: describe(error, window) }
  }
}

// A client whose callbacks record what they were given.
function recordingClient (window, options = {}, calls = []) {
  return new window.coreapi.Client(Object.assign({
    requestCallback: (request) => calls.push({ requestCallback: describe(request, window) }),
    responseCallback: (response, text) => calls.push({ responseCallback: [describeResponse(response), text] })
  }, options))
}

// --- the cases -----------------------------------------------------------------------

const token = (window, scheme = 'Token') => new window.coreapi.auth.TokenAuthentication({ scheme, token: seedToken })

// A document with the URLs and keys where a resolver or decoder could differ.
const awkwardDocument = {
  _type: 'document',
  _meta: { url: '/api/', title: 'Awkward', description: 'URLs and keys' },
  links: {
    absolutePath: { _type: 'link', url: '/api/v1/{company_id}/apps/', action: 'get' },
    relative: { _type: 'link', url: 'v1/companies/', action: 'post', encoding: 'multipart/form-data' },
    dotSegments: { _type: 'link', url: '../x/./y/../z', action: 'put' },
    trailingDots: { _type: 'link', url: 'a/..', action: 'get' },
    tooManyUps: { _type: 'link', url: '../../../../top', action: 'get' },
    protocolRelative: { _type: 'link', url: '//Other.Example:8080/p?q=1#f', action: 'get' },
    upperCase: { _type: 'link', url: 'HTTP://User:Pw@Example.COM:80/Path/', action: 'DELETE' },
    defaultPortHTTPS: { _type: 'link', url: 'https://example.com:443/x', action: 'get' },
    oddPort: { _type: 'link', url: 'http://example.com:0/x', action: 'get' },
    noPath: { _type: 'link', url: 'http://example.com', action: 'get' },
    queryOnly: { _type: 'link', url: '?format=corejson', action: 'get' },
    hashOnly: { _type: 'link', url: '#top', action: 'get' },
    spaces: { _type: 'link', url: '/a b/{x}/ü/', action: 'get' },
    mailto: { _type: 'link', url: 'mailto:someone@example.com', action: 'get' },
    empty: { _type: 'link', url: '', action: '' },
    noURL: { _type: 'link' },
    userOnly: { _type: 'link', url: 'http://user@example.com/', action: 'get' },
    fields: {
      _type: 'link',
      url: '/f/',
      action: 'patch',
      title: 'Fields',
      description: 'with odd fields',
      fields: [
        { name: 'a', required: true, location: 'path', schema: { _type: 'string', description: 'ignored' } },
        { name: 'b', required: 'yes', location: 'query', fieldDescription: 'taken' },
        { location: 'form' },
        5
      ]
    },
    notFields: { _type: 'link', url: '/g/', fields: 'nope' }
  },
  __type: 'escaped type',
  x__meta: 'escaped meta',
  _meta_not: 'kept',
  nested: { _type: 'object', _meta: 'kept in plain objects', __type: 'kept too', list: [1, 'two', null, true, { _type: 'link', url: 'inner/' }] },
  inner: { _type: 'document', _meta: { url: 'sub/', title: 7 }, deeper: { _type: 'link', url: 'leaf/' } },
  noMeta: { _type: 'document' }
}

const cases = [
  ['exports', (window) => {
    const coreapi = window.coreapi
    const namespaces = {}
    for (const key of Object.keys(coreapi)) {
      const value = coreapi[key]
      namespaces[key] = typeof value === 'function'
        ? { function: value.name, length: value.length, methods: Object.getOwnPropertyNames(value.prototype) }
        : Object.fromEntries(Object.keys(value).map((name) => [name, {
          type: typeof value[name], name: value[name].name, length: value[name].length,
          methods: value[name].prototype ? Object.getOwnPropertyNames(value[name].prototype) : null,
          extendsError: value[name].prototype instanceof window['@Error']
        }]))
    }
    return { keys: Object.keys(coreapi), namespaces, field: typeof coreapi.Field, version: typeof coreapi.version }
  }],

  ['constructors and their defaults', (window) => {
    const { coreapi } = window
    const made = {}
    const make = (name, build) => { try { made[name] = describe(build(), window) } catch (error) { made[name] = { threw: describe(error, window) } } }
    make('Document()', () => new coreapi.Document())
    make('Document(…)', () => new coreapi.Document('u', 't', 'd', { a: 1 }))
    make('Document(null…)', () => new coreapi.Document(null, undefined, 0))
    make('Link(url, method)', () => new coreapi.Link('/x/', 'get'))
    make('Link(all)', () => new coreapi.Link('/x/', 'post', 'multipart/form-data', [1], 'T', 'D'))
    make('Link()', () => new coreapi.Link())
    make('Link(url)', () => new coreapi.Link('/x/'))
    make('Link without new', () => coreapi.Link('/x/', 'get'))
    make('Document without new', () => coreapi.Document())
    make('Client()', () => new coreapi.Client())
    make('Client(options)', () => new coreapi.Client({ auth: 1, headers: { A: 'b' }, requestCallback: function mine () {}, transports: [], decoders: [] }))
    make('Client without new', () => coreapi.Client())
    make('HTTPTransport()', () => new coreapi.transports.HTTPTransport())
    make('HTTPTransport(options)', () => new coreapi.transports.HTTPTransport({ fetch: function ownFetch () {}, FormData: 3, headers: null, auth: 0 }))
    make('TokenAuthentication()', () => new coreapi.auth.TokenAuthentication())
    make('TokenAuthentication(token)', () => new coreapi.auth.TokenAuthentication({ token: 'abc' }))
    make('TokenAuthentication(scheme, token)', () => new coreapi.auth.TokenAuthentication({ scheme: 'Token', token: 'abc' }))
    make('BasicAuthentication()', () => new coreapi.auth.BasicAuthentication())
    make('BasicAuthentication(user)', () => new coreapi.auth.BasicAuthentication({ username: 'dana', password: 'pa:ss' }))
    make('BasicAuthentication(not Latin-1)', () => new coreapi.auth.BasicAuthentication({ username: 'dána€', password: 'x' }))
    window.document.cookie = 'a=1; csrftoken=from%20the%20page; b=2'
    make('SessionAuthentication(names)', () => new coreapi.auth.SessionAuthentication({ csrfCookieName: 'csrftoken', csrfHeaderName: 'X-CSRFToken' }))
    make('SessionAuthentication(cookieString)', () => new coreapi.auth.SessionAuthentication({ csrfCookieName: 'csrftoken', csrfHeaderName: 'X-CSRFToken', cookieString: 'csrftoken=given' }))
    make('SessionAuthentication() with cookies', () => new coreapi.auth.SessionAuthentication())
    make('SessionAuthentication(other name)', () => new coreapi.auth.SessionAuthentication({ csrfCookieName: 'nope' }))
    window.document.cookie = ''
    make('SessionAuthentication() without cookies', () => new coreapi.auth.SessionAuthentication())
    make('ParameterError', () => new coreapi.errors.ParameterError('Missing required field: "x"'))
    make('ParameterError()', () => new coreapi.errors.ParameterError())
    make('LinkLookupError', () => new coreapi.errors.LinkLookupError('Invalid link lookup: []'))
    make('ErrorMessage', () => new coreapi.errors.ErrorMessage('404 Not Found', { detail: 'x' }))
    make('ErrorMessage without new', () => coreapi.errors.ErrorMessage('x'))
    make('codecs', () => [new coreapi.codecs.CoreJSONCodec(), new coreapi.codecs.JSONCodec(), new coreapi.codecs.TextCodec()])
    return made
  }],

  ['enumerable members of instances (for…in)', (window) => {
    const { coreapi } = window
    const keysIn = (object) => { const keys = []; for (const key in object) keys.push(key); return keys }
    return [
      new coreapi.Client(), new coreapi.transports.HTTPTransport(), new coreapi.codecs.CoreJSONCodec(),
      new coreapi.auth.TokenAuthentication(), new coreapi.errors.ErrorMessage('m', 1), new coreapi.Link('u', 'get')
    ].map(keysIn)
  }],

  ['the served schema, decoded by /api/schema.js', (window) => describe(window.schema, window)],

  ['decoding hand-made documents against each base', (window) => {
    const codec = new window.coreapi.codecs.CoreJSONCodec()
    const text = JSON.stringify(awkwardDocument)
    const decoded = {}
    for (const url of [undefined, '', 'http://Example.com:8000/base/dir/page?x=1#y', 'https://example.com/', '/relative/base', 'file:///tmp/a/b']) {
      decoded[String(url)] = describe(codec.decode(text, { url }), window)
    }
    // Already parsed, in the window's own realm (as a page's own JSON.parse would give).
    const parsed = vm.runInContext('JSON.parse', window)(text)
    decoded.preloaded = describe(codec.decode(parsed, { preloaded: true, url: 'http://h/' }), window)
    return decoded
  }],

  ['decoding what is not a document', (window) => {
    const { codecs } = window.coreapi
    const core = new codecs.CoreJSONCodec()
    const results = {}
    const decode = (name, codec, text, options) => {
      try { results[name] = describe(codec.decode(text, options), window) } catch (error) { results[name] = { threw: describe(error, window) } }
    }
    decode('a list', core, '[1, {"_type": "link", "url": "x"}, {"a": {"__type": 1}}]')
    decode('a number', core, '42')
    decode('a string', core, '"text"')
    decode('null', core, 'null')
    decode('malformed', core, '{"a": ')
    decode('empty', core, '')
    decode('null options', core, '{}', null)
    decode('null _meta', core, '{"_type": "document", "_meta": null}')
    decode('a null field', core, '{"_type": "link", "fields": [null]}')
    decode('json', new codecs.JSONCodec(), '{"_type": "document", "x": [1]}')
    decode('json malformed', new codecs.JSONCodec(), '{x}')
    decode('text', new codecs.TextCodec(), '<p>hi</p>')
    return results
  }],

  ['utils', (window) => {
    const { utils, codecs, transports } = window.coreapi
    const decoders = [new codecs.CoreJSONCodec(), new codecs.JSONCodec(), new codecs.TextCodec()]
    const results = {}
    for (const type of ['application/json', 'application/coreapi+json; charset=utf-8', 'Application/JSON ; q=1', 'text/html', 'TEXT/CSS',
      'image/png', '', null, undefined, 'application/vnd.coreapi+json']) {
      try { results['negotiate ' + type] = describe(utils.negotiateDecoder(decoders, type), window) } catch (error) { results['negotiate ' + type] = { threw: describe(error, window) } }
    }
    try { results['negotiate */*'] = describe(utils.negotiateDecoder([{ mediaType: '*/*' }], 'x/y'), window) } catch (error) { results['negotiate */*'] = { threw: describe(error, window) } }
    const transportsList = [new transports.HTTPTransport()]
    for (const url of ['http://a/', 'HTTPS://a/', '/relative', 'ftp://a/', 'mailto:x', '', undefined]) {
      try { results['transport ' + url] = describe(utils.determineTransport(transportsList, url), window).keys } catch (error) { results['transport ' + url] = { threw: describe(error, window) } }
    }
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'POST', 'get', 'DELETE', undefined]) results['safe ' + method] = utils.csrfSafeMethod(method)
    return results
  }],

  ['requests built from hand-made links (no network)', (window) => {
    const { coreapi } = window
    const { Link } = coreapi
    window.document.cookie = 'csrftoken=abc%3Ddef'
    const transport = new coreapi.transports.HTTPTransport({
      headers: { 'X-One': '1', 'Content-Type': 'overridden?' },
      auth: new coreapi.auth.SessionAuthentication({ csrfCookieName: 'csrftoken', csrfHeaderName: 'X-CSRFToken' })
    })
    const plain = new coreapi.transports.HTTPTransport()
    const field = (name, location, required = false) => ({ name, location, required, description: '' })
    const results = {}
    const build = (name, link, params, using = transport) => {
      try { results[name] = describe(using.buildRequest(link, [], params), window) } catch (error) { results[name] = { threw: describe(error, window) } }
    }
    const all = [field('id', 'path', true), field('q', 'query'), field('list', 'query'), field('name', 'form'), field('h', 'header'), field('n', '')]
    build('json body', new Link('http://h:80/a/{id}/?keep=1#frag', 'post', 'application/json', all),
      { id: 'a b/ü?', q: 'x&y=z', list: [1, 2], name: { nested: true }, h: 'dropped', n: 'also dropped' })
    build('multipart body', new Link('http://h/m/', 'put', 'multipart/form-data', [field('file', 'form'), field('other', 'form')]), { file: 'content', other: 3 })
    build('urlencoded body', new Link('http://h/u/', 'patch', 'application/x-www-form-urlencoded', [field('a', 'form'), field('b c', 'form')]), { a: 'x y', 'b c': '&' })
    build('other encoding: no body', new Link('http://h/o/', 'post', 'text/plain', [field('a', 'form')]), { a: 1 })
    build('body field', new Link('http://h/b/', 'post', 'application/json', [field('data', 'body'), field('f', 'form')]), { f: 1, data: [1, 2] })
    build('GET with a form field (safe method)', new Link('http://h/g/', 'get', 'application/json', [field('a', 'form')]), { a: 1 })
    build('missing required', new Link('http://h/{id}/', 'get', undefined, all), { q: 1 })
    build('unknown parameter', new Link('http://h/', 'get', undefined, all), { id: 1, zzz: 2, yyy: 3 })
    build('undefined and null values', new Link('http://h/{id}/', 'get', undefined, all), { id: undefined, q: null, list: undefined })
    build('no params', new Link('http://h/x/', 'delete'), undefined, plain)
    build('relative URL', new Link('rel/{id}', 'get', undefined, [field('id', 'path')]), { id: 7 }, plain)
    const values = {
      path: 'a/b c;d', segs: ['s 1', null, 's2'], ext: 'json', m: 'v', empty: '', q: 'q!*\'()', e: '', list: ['l1', 'l 2'],
      amp: true, frag: 'f#g', x: 'abcdef', obj: { k: 'v w', z: null }, n: 12, nothing: null, zero: 0, no: false
    }
    const template = (name, url) => build('template ' + name, new Link(url, 'get', undefined, Object.keys(values).map((key) => field(key, 'path'))), values, plain)
    template('simple', 'http://h/{path}/{x:3}/{n}/{zero}/{no}/{empty}/{nothing}/{undefined}/{list}/{list*}/{obj}/{obj*}/{q}')
    template('reserved', 'http://h/{+path}/{+q}/{+list}/{+obj*}/{+x:2}')
    template('path segments', 'http://h{/segs*}{/path,empty,nothing}{/list}{/obj*}')
    template('labels and parameters', 'http://h/{.ext}{.list*}{;m,empty,nothing}{;list*}{;obj}')
    template('query', 'http://h/{?q,e,list*}{&amp,obj*}{?nothing}')
    template('fragment', 'http://h/x{#frag,list,empty}')
    template('variable lists', 'http://h/{path,x,nothing,n}/{+path,n}')
    build('literal braces and percent escapes', new Link('http://h/%41%zz{/[x]}{', 'get', undefined, [field('x', 'path')]), {}, plain)
    build('method in lower case', new Link('http://h/', 'options'), {}, plain)
    return results
  }],

  ['misuse: what throws, and with which message', async (window) => {
    const { coreapi } = window
    const client = new coreapi.Client({ auth: token(window) })
    const link = (...args) => new coreapi.Link(...args)
    const attempts = {
      'keys null': () => client.action(window.schema, null),
      'keys a number': () => client.action(window.schema, 5),
      'keys undefined': () => client.action(window.schema),
      'document null': () => client.action(null, ['v1']),
      'params null': () => client.action(window.schema, ['v1', 'apps', 'list'], null),
      'decoders not a list': () => new coreapi.Client({ decoders: 5, auth: token(window) }).action(window.schema, ['v1', 'companies', 'list']),
      'transports not a list': () => new coreapi.Client({ transports: 5 }).action(window.schema, ['v1', 'companies', 'list']),
      'a transport without schemes': () => new coreapi.Client({ transports: [{}] }).action(window.schema, ['v1', 'companies', 'list']),
      'decode with null options': () => new coreapi.codecs.CoreJSONCodec().decode('{}', null),
      'fields null': () => new coreapi.transports.HTTPTransport().buildRequest(link('http://h/', 'get', 'application/json', null), []),
      'method not a string': () => new coreapi.transports.HTTPTransport().buildRequest(link('http://h/', 5), []),
      'get without a URL': () => client.get(),
      'negotiate with a null decoder': () => coreapi.utils.negotiateDecoder([null], 'text/html'),
      'a requestCallback that is not a function': () => new coreapi.Client({ requestCallback: 'yes' }).action(window.schema, ['v1', 'companies', 'list']),
      'an auth without authenticate': () => new coreapi.Client({ auth: {} }).action(window.schema, ['v1', 'companies', 'list'])
    }
    const results = {}
    for (const [name, attempt] of Object.entries(attempts)) results[name] = await outcome(window, attempt)
    return results
  }],

  ['an authenticate() that returns nothing', async (window) => {
    const calls = []
    const client = recordingClient(window, { auth: { authenticate: () => undefined } }, calls)
    const result = await outcome(window, () => client.action(window.schema, ['v1', 'companies', 'list']))
    return { result, calls }
  }]
]

// Live calls: each through a client with recording callbacks, against the Rosti API.
const live = [
  ['client.get of the schema (CoreJSON over HTTP)', (w, c) => c(w).get(base + 'api/')],
  ['client.get of a relative URL (against the location), unauthenticated: 401', (w, c) => c(w).get('/api/v1/companies/')],
  ['client.get drops the query of the URL', (w, c) => c(w).get(base + 'api/?format=html')],
  ['client.get of a script: no decoder for its type', (w, c) => c(w).get(base + 'api/schema.js')],
  ['client.get of an unknown path: 404', (w, c) => c(w, { auth: token(w) }).get(base + 'api/v1/nothing/')],
  ['list (GET, no fields)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'companies', 'list'])],
  ['list (GET, a path field)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'list'], { company_id: 1 })],
  ['list (GET, a query field)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'jobs', 'list'], { company_id: 1, status: 'done' })],
  ['read (GET, path fields)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'read'], { company_id: 1, id: 1201 })],
  ['create (POST, JSON body)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'create'], { company_id: 1, name: 'from_js', domains: ['js.example.cz'] })],
  ['update (PUT)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'update'], { company_id: 1, id: 1201, name: 'renamed', plan: 4 })],
  ['partial_update (PATCH)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'partial_update'], { company_id: 1, id: 1201, enabled: false })],
  ['an action link (apps-action)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps-action', 'update'], { company_id: 1, id: 1201, action: 'start' })],
  ['a job-making link (snapshots create)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'snapshots', 'create'], { company_id: 1, app: 1201, note: 'js' })],
  ['delete (DELETE)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'delete'], { company_id: 1, id: 1201 })],
  ['a 404 (the deleted app)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'read'], { company_id: 1, id: 1201 })],
  ['a 400 (a validation error)', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'create'], { company_id: 1, name: 'not valid' })],
  ['a 400 in English (the headers option)', (w, c) => c(w, { auth: token(w), headers: { 'Accept-Language': 'en' } }).action(w.schema, ['v1', 'apps', 'create'], { company_id: 1, name: 'not valid' })],
  ['a 401 (an unknown token)', (w, c) => c(w, { auth: new w.coreapi.auth.TokenAuthentication({ scheme: 'Token', token: 'rostidemo0000000000000000000000000000099' }) }).action(w.schema, ['v1', 'companies', 'list'])],
  ['a 403 (another account\'s company)', (w, c) => c(w, { auth: new w.coreapi.auth.TokenAuthentication({ scheme: 'Token', token: 'rostidemo0000000000000000000000000000002' }) }).action(w.schema, ['v1', 'apps', 'list'], { company_id: 1 })],
  ['TokenAuthentication without a scheme', (w, c) => c(w, { auth: new w.coreapi.auth.TokenAuthentication({ token: seedToken }) }).action(w.schema, ['v1', 'companies', 'list'])],
  ['TokenAuthentication with the scheme Bearer', (w, c) => c(w, { auth: token(w, 'Bearer') }).action(w.schema, ['v1', 'companies', 'list'])],
  ['BasicAuthentication', (w, c) => c(w, { auth: new w.coreapi.auth.BasicAuthentication({ username: 'dana@example.cz', password: seedToken }) }).action(w.schema, ['v1', 'companies', 'list'])],
  ['SessionAuthentication, a safe method', (w, c) => {
    w.document.cookie = 'csrftoken=token-from-cookie'
    return c(w, { auth: new w.coreapi.auth.SessionAuthentication({ csrfCookieName: 'csrftoken', csrfHeaderName: 'X-CSRFToken' }) }).action(w.schema, ['v1', 'companies', 'list'])
  }],
  ['SessionAuthentication, an unsafe method sends the CSRF header', (w, c) => {
    w.document.cookie = 'csrftoken=token-from-cookie'
    return c(w, { auth: new w.coreapi.auth.SessionAuthentication({ csrfCookieName: 'csrftoken', csrfHeaderName: 'X-CSRFToken' }) }).action(w.schema, ['v1', 'apps', 'create'], { company_id: 1, name: 'session' })
  }],
  ['SessionAuthentication without a cookie name', (w, c) => {
    w.document.cookie = ''
    return c(w, { auth: new w.coreapi.auth.SessionAuthentication() }).action(w.schema, ['v1', 'apps', 'create'], { company_id: 1, name: 'session' })
  }],
  ['no authentication', (w, c) => c(w).action(w.schema, ['v1', 'companies', 'list'])],
  ['a missing required parameter', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'create'], { company_id: 1 })],
  ['missing parameters: the first field reported', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'read'], {})],
  ['an unknown parameter', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'list'], { company_id: 1, colour: 'blue' })],
  ['no params object', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'list'])],
  ['an unknown link', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'nope', 'list'])],
  ['keys naming a section, not a link', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps'])],
  ['keys past a link', (w, c) => c(w, { auth: token(w) }).action(w.schema, ['v1', 'apps', 'list', 'url'])],
  ['keys as a string', (w, c) => c(w, { auth: token(w) }).action(w.schema, 'v1')],
  ['no keys', (w, c) => c(w, { auth: token(w) }).action(w.schema, [])],
  ['a requestCallback that changes the request', (w, c) => c(w, {
    auth: token(w),
    requestCallback: (request) => { request.options.headers['X-Added'] = 'by the callback'; request.url = request.url + '?status=failed' }
  }).action(w.schema, ['v1', 'jobs', 'list'], { company_id: 1 })],
  ['a requestCallback that throws', (w, c) => c(w, { auth: token(w), requestCallback: () => { throw new Error('stop') } }).action(w.schema, ['v1', 'companies', 'list'])],
  ['a responseCallback that throws', (w, c) => c(w, { auth: token(w), responseCallback: () => { throw new Error('seen') } }).action(w.schema, ['v1', 'companies', 'list'])],
  ['a transport of the page\'s own (fetch option)', (w) => {
    const transport = new w.coreapi.transports.HTTPTransport({
      auth: token(w),
      fetch: (url, options) => fetch(url, options)
    })
    return new w.coreapi.Client({ transports: [transport] }).action(w.schema, ['v1', 'companies', 'list'])
  }],
  ['a 204 (from a fetch of the page\'s own): undefined, no responseCallback', (w) => {
    const calls = []
    const transport = new w.coreapi.transports.HTTPTransport({
      fetch: () => Promise.resolve(new Response(null, { status: 204 })),
      responseCallback: () => calls.push('responseCallback')
    })
    return new w.coreapi.Client({ transports: [transport] }).action(w.schema, ['v1', 'companies', 'list']).then((result) => ({ result, calls }))
  }],
  ['an answer without a Content-Type (from a fetch of the page\'s own)', (w) => {
    const transport = new w.coreapi.transports.HTTPTransport({
      fetch: () => Promise.resolve(new Response(new Uint8Array([123, 125]), { status: 418, statusText: 'Teapot' }))
    })
    return new w.coreapi.Client({ transports: [transport] }).action(w.schema, ['v1', 'companies', 'list'])
  }],
  ['a client with only a JSON decoder', (w) => new w.coreapi.Client({ auth: token(w), decoders: [new w.coreapi.codecs.JSONCodec()] }).get(base + 'api/')],
  ['a client with no transport for http', (w) => new w.coreapi.Client({ transports: [{ schemes: ['ftp'] }] }).action(w.schema, ['v1', 'companies', 'list'])]
]

for (const [name, call] of live) {
  cases.push([name, async (window) => {
    const calls = []
    const client = (w, options = {}) => recordingClient(w, options, calls)
    const result = await outcome(window, () => call(window, client))
    return { result, calls }
  }])
}

// --- a run: one bundle, every case, each case's requests from the journal ----------------

async function journal () {
  const answer = await admin('GET', 'requests?limit=1000')
  return answer.requests.reverse().map((entry) => ({
    method: entry.method, path: entry.path, query: entry.query, headers: entry.headers,
    body_size: entry.body_size, body_prefix: entry.body_prefix, status: entry.status
  }))
}

async function run (label, bundle, schemaScript) {
  await admin('POST', 'reset')
  await admin('PUT', 'clock', { mode: 'frozen', now: frozenAt })
  const window = makeWindow()
  load(window, bundle, label)
  load(window, schemaScript, 'schema.js')
  const observations = new Map()
  for (const [name, test] of cases) {
    await admin('DELETE', 'requests')
    let observed
    try {
      observed = await test(window)
    } catch (error) {
      observed = { 'the case itself failed': describe(error, window) }
    }
    observations.set(name, { observed: withoutRandomValues(observed), requests: await journal() })
  }
  return observations
}

// The first place two observations part, as a path and both values.
function firstDifference (a, b, path = '') {
  if (isDeepStrictEqual(a, b)) return null
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], `${path}/${key}`)
      if (found) return found
    }
    return `${path}: key order ${JSON.stringify(Object.keys(a))} / ${JSON.stringify(Object.keys(b))}`
  }
  const shown = (value) => { const text = JSON.stringify(value) ?? 'undefined'; return text.length > 400 ? text.slice(0, 400) + '…' : text }
  return `${path || '/'}:\n       DRF's:    ${shown(a)}\n       Rostra's: ${shown(b)}`
}

const drfBundle = await readFile(drfBundlePath, 'utf8')
const clientResponse = await fetch(base + 'static/rest_framework/js/coreapi-0.1.1.js')
if (!clientResponse.ok) throw new Error('Rostra does not serve its client: ' + clientResponse.status)
const rostraBundle = await clientResponse.text()
const schemaScript = await (await fetch(base + 'api/schema.js')).text()

const drf = await run("DRF's coreapi-0.1.1.js", drfBundle, schemaScript)
const rostra = await run("Rostra's coreapi-0.1.1.js", rostraBundle, schemaScript)
await admin('PUT', 'clock', { mode: 'real' })
// COREAPI_DIFF_DUMP=FILE keeps what DRF's client was seen to do, case by case, to read.
if (process.env.COREAPI_DIFF_DUMP) {
  await writeFile(process.env.COREAPI_DIFF_DUMP, JSON.stringify(Object.fromEntries(drf), null, 1))
}

let passed = 0
let failed = 0
const check = (name, ok, detail) => {
  if (ok) { passed++; console.log('ok   ' + name) } else { failed++; console.log('FAIL ' + name + (detail ? '\n     ' + detail : '')) }
}

for (const [name] of cases) {
  const a = drf.get(name)
  const b = rostra.get(name)
  check(name + ': same result', isDeepStrictEqual(a.observed, b.observed), firstDifference(a.observed, b.observed))
  check(name + ': same requests', isDeepStrictEqual(a.requests, b.requests), firstDifference(a.requests, b.requests))
}

// Anchors on DRF's own run, so that the comparison compares something: if DRF's bundle
// stopped loading or the server stopped answering, both runs could agree on nothing.
const drfSaw = (name) => drf.get(name).observed
const companies = drfSaw('list (GET, no fields)').result.resolved
check("anchor: DRF's client lists the seed's two companies", Array.isArray(companies) && companies.length === 2, JSON.stringify(companies))
check("anchor: DRF's TokenAuthentication defaults to Bearer (a 401 here)",
  drfSaw('TokenAuthentication without a scheme').result.rejected?.['.content']?.['.detail'] !== undefined &&
  drf.get('TokenAuthentication without a scheme').requests[0]?.status === 401)
const missing = drfSaw('a missing required parameter').result.threw
check("anchor: DRF's client throws at once for a missing field", missing?.['@error']?.message === 'Missing required field: "name"', JSON.stringify(missing))
check("anchor: every live case reached the server or threw before it", live.every(([name]) => {
  const { result } = drfSaw(name)
  return result.threw || result.resolved || result.rejected
}))

console.log(`coreapi-js-diff-test: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
