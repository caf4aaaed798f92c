/*
 * The CoreAPI client for browsers, served by Rostra at the path where Django REST Framework
 * serves its own (/static/rest_framework/js/coreapi-0.1.1.js).
 *
 * Rostra's code, with the API and the behaviour of the client DRF 3.9 ships there (the
 * `coreapi` npm package 0.1.1), so that a page written for the real service works the same
 * against the emulator: the same exports, constructors, defaults, exceptions and messages,
 * and the same requests. scripts/coreapi-js-diff-test runs DRF's bundle and this file side
 * by side against Rostra and compares everything a page can see.
 *
 *   var auth = new coreapi.auth.TokenAuthentication({scheme: 'Token', token: '…'})
 *   var client = new coreapi.Client({auth: auth})
 *   client.action(schema, ['v1', 'apps', 'list'], {company_id: 1}).then(function (apps) { … })
 *
 * What code written for DRF's client relies on:
 * - client.action() throws at once (it does not return a rejected promise) when the keys
 *   name no link (LinkLookupError: 'Invalid link lookup: ["v1","nope"]') and when a
 *   required parameter is missing or an unknown one is given (ParameterError:
 *   'Missing required field: "name"', 'Unknown parameter: "colour"').
 * - An answer of 400 or more rejects with ErrorMessage: message "404 Not Found", content
 *   the decoded body. A 204 resolves with undefined.
 * - These errors are plain Error objects told apart by .name ('ParameterError', …):
 *   `instanceof coreapi.errors.ErrorMessage` is false, as with DRF's compiled classes.
 * - TokenAuthentication's scheme defaults to 'Bearer'; the Rosti API wants 'Token'.
 * - Client options: auth, headers, requestCallback({url, options}) just before the request
 *   is sent, responseCallback(response, text) once its body is read (not for a 204),
 *   decoders, transports.
 * - Requests carry no Accept header of their own; links decode with encoding
 *   'application/json', and fields with an empty description.
 */
;(function (factory) {
  // Loaded as DRF's bundle loads: a CommonJS module, an AMD module, or else window.coreapi.
  if (typeof exports === 'object' && typeof module !== 'undefined') {
    module.exports = factory()
  } else if (typeof define === 'function' && define.amd) {
    define([], factory)
  } else {
    var scope = typeof window !== 'undefined' ? window
      : typeof global !== 'undefined' ? global
        : typeof self !== 'undefined' ? self : {}
    scope.coreapi = factory()
  }
})(function () {
  'use strict'

  // The page's global object, its location (relative URLs resolve against it) and fetch,
  // taken when the client loads, as DRF's bundle takes them.
  var scope = typeof global !== 'undefined' ? global
    : typeof self !== 'undefined' ? self
      : typeof window !== 'undefined' ? window : {}
  var pageFetch = typeof self !== 'undefined' && typeof self.fetch === 'function' ? self.fetch.bind(self) : undefined

  // Classes ---------------------------------------------------------------------------
  // DRF's client is ES2015 classes compiled to ES5: a constructor refuses a call without
  // `new` and methods are not enumerable. These give ours the same shape.

  function requireNew (instance, Constructor) {
    if (!(instance instanceof Constructor)) {
      throw new TypeError('Cannot call a class as a function')
    }
  }

  function defineMethods (Constructor, methods) {
    Object.keys(methods).forEach(function (name) {
      Object.defineProperty(Constructor.prototype, name, {
        value: methods[name], enumerable: false, configurable: true, writable: true
      })
    })
  }

  // Documents -------------------------------------------------------------------------

  function Document (url = '', title = '', description = '', content = {}) {
    requireNew(this, Document)
    this.url = url
    this.title = title
    this.description = description
    this.content = content
  }

  function Link (url, method, encoding = 'application/json', fields = [], title = '', description = '') {
    requireNew(this, Link)
    if (url === undefined) {
      throw new Error('url argument is required')
    }
    if (method === undefined) {
      throw new Error('method argument is required')
    }
    this.url = url
    this.method = method
    this.encoding = encoding
    this.fields = fields
    this.title = title
    this.description = description
  }

  function Field (name, required = false, location = '', description = '') {
    requireNew(this, Field)
    if (name === undefined) {
      throw new Error('name argument is required')
    }
    this.name = name
    this.required = required
    this.location = location
    this.description = description
  }

  // Errors ----------------------------------------------------------------------------
  // DRF's error classes extend Error as compiled to ES5, where `new` hands back the plain
  // Error that Error() made, with the class's name set on it. Ours are made the same way,
  // so code that tells them apart by .name (the only way with DRF's) works with both.

  // Makes Constructor a subclass of Error as ES2015 `extends` does.
  function extendError (Constructor) {
    Constructor.prototype = Object.create(Error.prototype, {
      constructor: { value: Constructor, enumerable: false, writable: true, configurable: true }
    })
    Object.setPrototypeOf(Constructor, Error)
  }

  function ParameterError (message) {
    requireNew(this, ParameterError)
    var error = Error(message)
    error.message = message
    error.name = 'ParameterError'
    return error
  }

  function LinkLookupError (message) {
    requireNew(this, LinkLookupError)
    var error = Error(message)
    error.message = message
    error.name = 'LinkLookupError'
    return error
  }

  // An answer of 400 or more: message "<status> <reason>", content the decoded body.
  function ErrorMessage (message, content) {
    requireNew(this, ErrorMessage)
    var error = Error(message)
    error.message = message
    error.content = content
    error.name = 'ErrorMessage'
    return error
  }

  extendError(ParameterError)
  extendError(LinkLookupError)
  extendError(ErrorMessage)

  var errors = { ParameterError: ParameterError, LinkLookupError: LinkLookupError, ErrorMessage: ErrorMessage }

  // URLs ------------------------------------------------------------------------------
  // URLs are taken apart and put together as DRF's bundle does (with the url-parse
  // package), not as the browser's URL class would: nothing is percent-encoded or
  // normalised, a path without a slash after the host stays empty, and the query a
  // request URL had is replaced by the link's query fields.

  var schemeAndSlashes = /^([a-z][a-z0-9.+-]*:)?(\/\/)?([\S\s]*)/i

  // The port is left out when it is the scheme's default.
  function needsPort (port, protocol) {
    var number = +port
    if (!number) return false
    var defaults = { http: 80, ws: 80, https: 443, wss: 443, ftp: 21, gopher: 70 }
    var scheme = protocol.split(':')[0]
    if (scheme === 'file') return false
    return number !== (scheme in defaults ? defaults[scheme] : 0)
  }

  // What a relative URL inherits: the base URL's parts (without its query and fragment),
  // or the page's location when there is no base.
  function baseParts (base) {
    var location = base || scope.location || {}
    if (location.protocol === 'blob:') return parseURL(unescape(location.pathname), {})
    if (typeof location === 'string') return parseURL(location, {})
    if (typeof location !== 'object') return {}
    return {
      slashes: location.slashes !== undefined ? location.slashes : /^[A-Za-z][A-Za-z0-9+,\-.]*:\/\//.test(location.href),
      protocol: location.protocol,
      host: location.host,
      port: location.port,
      hostname: location.hostname,
      pathname: location.pathname
    }
  }

  // Takes the part from `separator` on off the end of the text: [rest, part].
  function cutFrom (text, separator) {
    var at = text.indexOf(separator)
    return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at)]
  }

  function parseURL (address, base) {
    var inherited = baseParts(base)
    var start = schemeAndSlashes.exec(address || '')
    var protocol = start[1] ? start[1].toLowerCase() : ''
    var hasSlashes = !!start[2]
    var relative = !protocol && !hasSlashes
    var rest = start[3]
    var url = {
      protocol: protocol || inherited.protocol || '',
      slashes: hasSlashes || (relative && inherited.slashes)
    }

    var cut = cutFrom(rest, '#')
    rest = cut[0]
    url.hash = cut[1] || ''
    cut = cutFrom(rest, '?')
    rest = cut[0]
    url.query = cut[1] || ''
    if (hasSlashes) {
      cut = cutFrom(rest, '/')
      rest = cut[0]
      url.pathname = cut[1] || ''
    } else {
      // Without an authority all of it is the path, up to the first line break.
      url.pathname = /(.*)/.exec(rest)[1]
      rest = ''
    }
    var at = rest.indexOf('@')
    url.auth = at < 0 ? '' : rest.slice(0, at)
    if (at >= 0) rest = rest.slice(at + 1)

    url.host = (rest || (relative ? inherited.host || '' : '')).toLowerCase()
    var port = /:(\d+)$/.exec(rest)
    if (port) rest = rest.slice(0, port.index)
    url.port = (port && port[1]) || (relative ? inherited.port || '' : '')
    url.hostname = (rest || (relative ? inherited.hostname || '' : '')).toLowerCase()

    if (relative && inherited.slashes && url.pathname.charAt(0) !== '/' &&
        (url.pathname !== '' || inherited.pathname !== '')) {
      url.pathname = resolvePath(url.pathname, inherited.pathname)
    }
    if (!needsPort(url.port, url.protocol)) {
      url.host = url.hostname
      url.port = ''
    }
    var credentials = url.auth ? url.auth.split(':') : []
    url.username = credentials[0] || ''
    url.password = credentials[1] || ''
    return url
  }

  // A relative path against the base's folder, with `.` and `..` segments worked out.
  function resolvePath (relative, basePath) {
    var segments = (basePath || '/').split('/').slice(0, -1).concat(relative.split('/'))
    var last = segments[segments.length - 1]
    var kept = []
    var pending = 0
    var droppedRoot = false
    for (var index = segments.length - 1; index >= 0; index--) {
      var segment = segments[index]
      if (segment === '.') continue
      if (segment === '..') {
        pending++
      } else if (pending > 0) {
        pending--
        if (index === 0) droppedRoot = true
      } else {
        kept.unshift(segment)
      }
    }
    if (droppedRoot) kept.unshift('')
    if (last === '.' || last === '..') kept.push('')
    return kept.join('/')
  }

  // Query parameters, each name=value with both encoded, in the object's own key order.
  function queryText (parameters) {
    var pairs = []
    for (var name in parameters) {
      if (Object.prototype.hasOwnProperty.call(parameters, name)) {
        pairs.push(encodeURIComponent(name) + '=' + encodeURIComponent(parameters[name]))
      }
    }
    return pairs.join('&')
  }

  function formatURL (url, query) {
    var protocol = url.protocol && url.protocol.charAt(url.protocol.length - 1) !== ':' ? url.protocol + ':' : url.protocol
    var text = protocol + (url.slashes ? '//' : '')
    if (url.username) {
      text += url.username + (url.password ? ':' + url.password : '') + '@'
    }
    text += url.host + url.pathname
    if (query) text += query.charAt(0) === '?' ? query : '?' + query
    return text + url.hash
  }

  // Link URLs are URI templates (RFC 6570), expanded with the path fields as DRF's bundle
  // does (the url-template package): `{id}` takes an encoded value, `{+path}` keeps
  // reserved characters, and the other operators work as the RFC has them.

  var templateOperators = '+#./;?&'

  function encodeReserved (text) {
    return text.split(/(%[0-9A-Fa-f]{2})/g).map(function (part) {
      return /%[0-9A-Fa-f]/.test(part) ? part : encodeURI(part).replace(/%5B/g, '[').replace(/%5D/g, ']')
    }).join('')
  }

  function encodeUnreserved (text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (character) {
      return '%' + character.charCodeAt(0).toString(16).toUpperCase()
    })
  }

  function isDefined (value) {
    return value !== undefined && value !== null
  }

  function expandVariable (context, operator, name, modifier) {
    var value = context[name]
    var named = operator === ';' || operator === '&' || operator === '?'
    var encode = function (item, key) {
      var encoded = operator === '+' || operator === '#' ? encodeReserved(item) : encodeUnreserved(item)
      return key ? encodeUnreserved(key) + '=' + encoded : encoded
    }
    if (!isDefined(value) || value === '') {
      if (operator === ';') return isDefined(value) ? [encodeUnreserved(name)] : []
      if (value === '' && (operator === '&' || operator === '?')) return [encodeUnreserved(name) + '=']
      return value === '' ? [''] : []
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      var text = value.toString()
      if (modifier && modifier !== '*') text = text.substring(0, parseInt(modifier, 10))
      return [encode(text, named ? name : null)]
    }
    if (modifier === '*') {
      if (Array.isArray(value)) {
        return value.filter(isDefined).map(function (item) { return encode(item, named ? name : null) })
      }
      return Object.keys(value).filter(function (key) { return isDefined(value[key]) }).map(function (key) {
        return encode(value[key], key)
      })
    }
    var items = []
    if (Array.isArray(value)) {
      value.filter(isDefined).forEach(function (item) { items.push(encode(item)) })
    } else {
      Object.keys(value).forEach(function (key) {
        if (isDefined(value[key])) items.push(encodeUnreserved(key), encode(value[key].toString()))
      })
    }
    if (named) return [encodeUnreserved(name) + '=' + items.join(',')]
    return items.length ? [items.join(',')] : []
  }

  function expandTemplate (template, context) {
    return template.replace(/\{([^{}]+)\}|([^{}]+)/g, function (whole, expression, literal) {
      if (!expression) return encodeReserved(literal)
      var operator = templateOperators.indexOf(expression.charAt(0)) >= 0 ? expression.charAt(0) : null
      var values = []
      expression.slice(operator ? 1 : 0).split(/,/g).forEach(function (variable) {
        var parts = /([^:*]*)(?::(\d+)|(\*))?/.exec(variable)
        values = values.concat(expandVariable(context, operator, parts[1], parts[2] || parts[3]))
      })
      if (!operator || operator === '+') return values.join(',')
      var separator = operator === '?' ? '&' : operator === '#' ? ',' : operator
      return (values.length ? operator : '') + values.join(separator)
    })
  }

  // Utilities, exported as DRF's are ------------------------------------------------------
  // (Lists are walked with their iterators as DRF's compiled for…of loops walk them, so a
  // value that is not a list fails with the same TypeError.)

  var utils = {
    determineTransport: function determineTransport (transports, url) {
      var scheme = parseURL(url).protocol.replace(':', '')
      var iterator = transports[Symbol.iterator]()
      for (var step = iterator.next(); !step.done; step = iterator.next()) {
        if (step.value.schemes.includes(scheme)) return step.value
      }
      throw Error('Unsupported scheme in URL: ' + url)
    },

    // The first decoder whose media type is the answer's, its main type's `x/*`, or `*/*`;
    // the first decoder when the answer names none.
    negotiateDecoder: function negotiateDecoder (decoders, contentType) {
      if (contentType === undefined || contentType === null) return decoders[0]
      var fullType = contentType.toLowerCase().split(';')[0].trim()
      var acceptable = [fullType, fullType.split('/')[0] + '/*', '*/*']
      var iterator = decoders[Symbol.iterator]()
      for (var step = iterator.next(); !step.done; step = iterator.next()) {
        if (acceptable.includes(step.value.mediaType)) return step.value
      }
      throw Error('Unsupported media in Content-Type header: ' + contentType)
    },

    csrfSafeMethod: function csrfSafeMethod (method) {
      return /^(GET|HEAD|OPTIONS|TRACE)$/.test(method)
    }
  }

  // Codecs ----------------------------------------------------------------------------

  // `_type` and `_meta` are the format's own keys; a data key ending in `__type` or
  // `__meta` comes with one underscore more, taken off here.
  function unescapeKey (key) {
    return /__(type|meta)$/.test(key) ? key.substring(1) : key
  }

  function stringIn (object, key) {
    return typeof object[key] === 'string' ? object[key] : ''
  }

  function resolveIn (object, key, baseURL) {
    var relative = stringIn(object, key)
    if (!relative) return ''
    var url = parseURL(relative, baseURL)
    return formatURL(url, url.query)
  }

  function documentContent (data, baseURL) {
    var content = {}
    for (var key in data) {
      if (data.hasOwnProperty(key) && key !== '_type' && key !== '_meta') {
        content[unescapeKey(key)] = toNode(data[key], baseURL)
      }
    }
    return content
  }

  function toNode (data, baseURL) {
    if (data instanceof Array) {
      return data.map(function (item) { return toNode(item, baseURL) })
    }
    if (!(data instanceof Object)) return data
    if (data._type === 'document') {
      var meta = typeof data._meta === 'object' ? data._meta : {}
      var url = resolveIn(meta, 'url', baseURL)
      return new Document(url, stringIn(meta, 'title'), stringIn(meta, 'description'), documentContent(data, url))
    }
    if (data._type === 'link') {
      var linkURL = resolveIn(data, 'url', baseURL)
      var method = stringIn(data, 'action') || 'get'
      var title = stringIn(data, 'title')
      var description = stringIn(data, 'description')
      var fields = (data.fields instanceof Array ? data.fields : []).map(function (field) {
        var name = stringIn(field, 'name')
        var required = typeof field.required === 'boolean' ? field.required : false
        return new Field(name, required, stringIn(field, 'location'), stringIn(field, 'fieldDescription'))
      })
      // Every link takes JSON, whatever encoding the document gives.
      return new Link(linkURL, method, 'application/json', fields, title, description)
    }
    var object = {}
    for (var key in data) {
      if (data.hasOwnProperty(key)) object[key] = toNode(data[key], baseURL)
    }
    return object
  }

  function CoreJSONCodec () {
    requireNew(this, CoreJSONCodec)
    this.mediaType = 'application/coreapi+json'
  }
  defineMethods(CoreJSONCodec, {
    // options.url: the base of relative URLs (the page's location without it);
    // options.preloaded: `text` is already parsed.
    decode: function decode (text, options = {}) {
      var data = options.preloaded === undefined || !options.preloaded ? JSON.parse(text) : text
      return toNode(data, options.url)
    }
  })

  function JSONCodec () {
    requireNew(this, JSONCodec)
    this.mediaType = 'application/json'
  }
  defineMethods(JSONCodec, {
    decode: function decode (text, options = {}) {
      return JSON.parse(text)
    }
  })

  function TextCodec () {
    requireNew(this, TextCodec)
    this.mediaType = 'text/*'
  }
  defineMethods(TextCodec, {
    decode: function decode (text, options = {}) {
      return text
    }
  })

  var codecs = { CoreJSONCodec: CoreJSONCodec, JSONCodec: JSONCodec, TextCodec: TextCodec }

  // Authentication --------------------------------------------------------------------

  // The header value is made when the object is, from the username and password given.
  function BasicAuthentication (options = {}) {
    requireNew(this, BasicAuthentication)
    this.auth = 'Basic ' + window.btoa(options.username + ':' + options.password)
  }
  defineMethods(BasicAuthentication, {
    authenticate: function authenticate (options) {
      options.headers['Authorization'] = this.auth
      return options
    }
  })

  function cookieValue (name, cookies) {
    cookies = cookies || window.document.cookie
    if (!cookies) return null
    var prefix = name + '='
    var entries = cookies.split(';')
    for (var index = 0; index < entries.length; index++) {
      var entry = entries[index].trim()
      if (entry.substring(0, name.length + 1) === prefix) {
        return decodeURIComponent(entry.substring(name.length + 1))
      }
    }
    return null
  }

  // The CSRF token is read from the cookie (or options.cookieString) when the object is
  // made, and sent in csrfHeaderName with every unsafe method.
  function SessionAuthentication (options = {}) {
    requireNew(this, SessionAuthentication)
    this.csrfToken = cookieValue(options.csrfCookieName, options.cookieString)
    this.csrfHeaderName = options.csrfHeaderName
  }
  defineMethods(SessionAuthentication, {
    authenticate: function authenticate (options) {
      options.credentials = 'same-origin'
      if (this.csrfToken && !utils.csrfSafeMethod(options.method)) {
        options.headers[this.csrfHeaderName] = this.csrfToken
      }
      return options
    }
  })

  function TokenAuthentication (options = {}) {
    requireNew(this, TokenAuthentication)
    this.token = options.token
    this.scheme = options.scheme || 'Bearer'
  }
  defineMethods(TokenAuthentication, {
    authenticate: function authenticate (options) {
      options.headers['Authorization'] = this.scheme + ' ' + this.token
      return options
    }
  })

  var auth = {
    BasicAuthentication: BasicAuthentication,
    SessionAuthentication: SessionAuthentication,
    TokenAuthentication: TokenAuthentication
  }

  // Transport -------------------------------------------------------------------------

  function HTTPTransport (options = {}) {
    requireNew(this, HTTPTransport)
    this.schemes = ['http', 'https']
    this.auth = options.auth || null
    this.headers = options.headers || {}
    this.fetch = options.fetch || pageFetch
    this.FormData = options.FormData || window.FormData
    this.requestCallback = options.requestCallback
    this.responseCallback = options.responseCallback
  }

  defineMethods(HTTPTransport, {
    // {url, options} for fetch(): the link's fields checked against the parameters (a
    // missing required field or an unknown parameter throws), path fields expanded into
    // the URL template, query fields as its query, form fields (or the one body field)
    // as the body in the link's encoding, then the authentication's headers.
    buildRequest: function buildRequest (link, decoders, params = {}) {
      var method = link.method.toUpperCase()
      var query = {}
      var path = {}
      var form = {}
      var declared = []
      var hasBody = false

      for (var index = 0; index < link.fields.length; index++) {
        var field = link.fields[index]
        if (!params.hasOwnProperty(field.name)) {
          if (field.required) throw new errors.ParameterError('Missing required field: "' + field.name + '"')
          continue
        }
        declared.push(field.name)
        var value = params[field.name]
        if (field.location === 'query') {
          query[field.name] = value
        } else if (field.location === 'path') {
          path[field.name] = value
        } else if (field.location === 'form') {
          form[field.name] = value
          hasBody = true
        } else if (field.location === 'body') {
          form = value
          hasBody = true
        }
      }
      for (var name in params) {
        if (params.hasOwnProperty(name) && !declared.includes(name)) {
          throw new errors.ParameterError('Unknown parameter: "' + name + '"')
        }
      }

      var options = { method: method, headers: {} }
      Object.assign(options.headers, this.headers)
      if (hasBody) {
        var key
        if (link.encoding === 'application/json') {
          options.body = JSON.stringify(form)
          options.headers['Content-Type'] = 'application/json'
        } else if (link.encoding === 'multipart/form-data') {
          var data = new this.FormData()
          for (key in form) data.append(key, form[key])
          options.body = data
        } else if (link.encoding === 'application/x-www-form-urlencoded') {
          var pairs = []
          for (key in form) pairs.push(encodeURIComponent(key) + '=' + encodeURIComponent(form[key]))
          options.body = pairs.join('&')
          options.headers['Content-Type'] = 'application/x-www-form-urlencoded'
        }
      }
      if (this.auth) options = this.auth.authenticate(options)

      var url = parseURL(expandTemplate(link.url, path))
      return { url: formatURL(url, queryText(query)), options: options }
    },

    action: function action (link, decoders, params = {}) {
      var responseCallback = this.responseCallback
      var request = this.buildRequest(link, decoders, params)
      if (this.requestCallback) this.requestCallback(request)
      return this.fetch(request.url, request.options).then(function (response) {
        if (response.status === 204) return
        return response.text().then(function (text) {
          if (responseCallback) responseCallback(response, text)
          var decoder = utils.negotiateDecoder(decoders, response.headers.get('Content-Type'))
          return decoder.decode(text, { url: response.url })
        }).then(function (data) {
          if (response.ok) return data
          return Promise.reject(new errors.ErrorMessage(response.status + ' ' + response.statusText, data))
        })
      })
    }
  })

  var transports = { HTTPTransport: HTTPTransport }

  // Client ----------------------------------------------------------------------------

  // The node at `keys`, which must be a link: each key looks into a document's content or
  // an object's members.
  function lookupLink (node, keys) {
    var iterator = keys[Symbol.iterator]()
    for (var step = iterator.next(); !step.done; step = iterator.next()) {
      node = node instanceof Document ? node.content[step.value] : node[step.value]
      if (node === undefined) throw new errors.LinkLookupError('Invalid link lookup: ' + JSON.stringify(keys))
    }
    if (!(node instanceof Link)) throw new errors.LinkLookupError('Invalid link lookup: ' + JSON.stringify(keys))
    return node
  }

  function Client (options = {}) {
    requireNew(this, Client)
    var transportOptions = {
      auth: options.auth || null,
      headers: options.headers || {},
      requestCallback: options.requestCallback,
      responseCallback: options.responseCallback
    }
    this.decoders = options.decoders || [new codecs.CoreJSONCodec(), new codecs.JSONCodec(), new codecs.TextCodec()]
    this.transports = options.transports || [new transports.HTTPTransport(transportOptions)]
  }

  defineMethods(Client, {
    action: function action (document, keys, params = {}) {
      var link = lookupLink(document, keys)
      var transport = utils.determineTransport(this.transports, link.url)
      return transport.action(link, this.decoders, params)
    },

    get: function get (url) {
      var link = new Link(url, 'get')
      var transport = utils.determineTransport(this.transports, url)
      return transport.action(link, this.decoders)
    }
  })

  return {
    Client: Client,
    Document: Document,
    Link: Link,
    auth: auth,
    codecs: codecs,
    errors: errors,
    transports: transports,
    utils: utils
  }
})
