/*
 * CoreAPI client for browsers (and any JavaScript with fetch), served by Rostra.
 *
 *   var auth = new coreapi.auth.TokenAuthentication({scheme: 'Token', token: '…'})
 *   var client = new coreapi.Client({auth: auth})
 *   client.action(schema, ['v1', 'apps', 'list'], {company_id: 1}).then(function (apps) { … })
 *
 * action() resolves with the decoded answer and rejects with coreapi.errors.ErrorMessage
 * (status, content) for 4xx/5xx answers, ParameterError for missing or unknown parameters
 * and LinkLookupError for keys that name no link.
 */
(function (root) {
  'use strict'

  var version = '0.1.1'

  // Documents ------------------------------------------------------------------------

  function Document (url, title, description, content) {
    this.url = url || ''
    this.title = title || ''
    this.description = description || ''
    this.content = content || {}
  }

  function Link (url, action, encoding, title, description, fields) {
    this.url = url || ''
    this.action = action || 'get'
    this.encoding = encoding || ''
    this.title = title || ''
    this.description = description || ''
    this.fields = fields || []
  }

  function Field (name, required, location, schema) {
    this.name = name
    this.required = !!required
    this.location = location || ''
    this.schema = schema || null
  }

  // Errors ---------------------------------------------------------------------------

  function defineError (name) {
    function CoreAPIError (message, details) {
      var error = new Error(message)
      Object.setPrototypeOf(error, CoreAPIError.prototype)
      if (details) { for (var key in details) { error[key] = details[key] } }
      return error
    }
    CoreAPIError.prototype = Object.create(Error.prototype, {
      constructor: { value: CoreAPIError }, name: { value: name }
    })
    return CoreAPIError
  }

  var ParameterError = defineError('ParameterError')
  var LinkLookupError = defineError('LinkLookupError')
  var ErrorMessage = defineError('ErrorMessage')
  var ParseError = defineError('ParseError')

  // Codecs ---------------------------------------------------------------------------

  // window.atob gives one character per byte; turn UTF-8 bytes back into text.
  function bytesToText (text) {
    if (!/[\u0080-\u00ff]/.test(text) || /[^\u0000-\u00ff]/.test(text)) { return text }
    var bytes = new Uint8Array(text.length)
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i) }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch (error) {
      return text
    }
  }

  // As Python's urljoin: link URLs are templates ("/api/v1/{company_id}/apps/"), whose
  // braces must survive (new URL() would percent-encode them).
  function resolveURL (url, base) {
    if (!base || /^[a-z][a-z0-9+.-]*:/i.test(url)) { return url }
    var origin = base.match(/^[a-z][a-z0-9+.-]*:\/\/[^\/?#]*/i)
    if (url.charAt(0) === '/' && origin) { return origin[0] + url }
    try {
      return new URL(url, base).toString().replace(/%7B/gi, '{').replace(/%7D/gi, '}')
    } catch (error) {
      return url
    }
  }

  function unescapeKey (key) {
    var stripped = key.replace(/^_+/, '')
    return (key.indexOf('__') === 0 && (stripped === 'type' || stripped === 'meta')) ? key.slice(1) : key
  }

  function primitiveToNode (data, base) {
    if (Array.isArray(data)) {
      return data.map(function (item) { return primitiveToNode(item, base) })
    }
    if (data === null || typeof data !== 'object') { return data }
    if (data._type === 'document') {
      var meta = data._meta || {}
      var url = resolveURL(meta.url || '', base)
      return new Document(url, meta.title, meta.description, contentOf(data, url || base))
    }
    if (data._type === 'link') {
      var fields = (data.fields || []).map(function (field) {
        return new Field(field.name, field.required, field.location, field.schema)
      })
      return new Link(resolveURL(data.url || '', base), data.action, data.encoding, data.title, data.description, fields)
    }
    return contentOf(data, base)
  }

  function contentOf (data, base) {
    var content = {}
    Object.keys(data).forEach(function (key) {
      if (key === '_type' || key === '_meta') { return }
      content[unescapeKey(key)] = primitiveToNode(data[key], base)
    })
    return content
  }

  function CoreJSONCodec () {
    this.mediaType = 'application/coreapi+json'
    this.mediaTypes = ['application/coreapi+json', 'application/vnd.coreapi+json']
  }
  CoreJSONCodec.prototype.decode = function (text, options) {
    var base = (options && options.url) || (root.location && root.location.href) || ''
    var data
    try {
      data = JSON.parse(bytesToText(text))
    } catch (error) {
      throw new ParseError('Malformed JSON. ' + error.message)
    }
    var node = primitiveToNode(data, base)
    return (node instanceof Document || Array.isArray(node)) ? node : new Document(base, '', '', node)
  }

  function JSONCodec () {
    this.mediaType = 'application/json'
    this.mediaTypes = ['application/json']
  }
  JSONCodec.prototype.decode = function (text) {
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new ParseError('Malformed JSON. ' + error.message)
    }
  }

  function TextCodec () {
    this.mediaType = 'text/*'
    this.mediaTypes = ['text/*']
  }
  TextCodec.prototype.decode = function (text) { return text }

  function decoderFor (decoders, contentType) {
    var mediaType = (contentType || '').split(';')[0].trim().toLowerCase()
    for (var i = 0; i < decoders.length; i++) {
      var types = decoders[i].mediaTypes || [decoders[i].mediaType]
      for (var j = 0; j < types.length; j++) {
        var type = types[j]
        if (type === mediaType || (type.slice(-2) === '/*' && mediaType.indexOf(type.slice(0, -1)) === 0)) {
          return decoders[i]
        }
      }
    }
    return null
  }

  // Authentication -------------------------------------------------------------------

  function TokenAuthentication (options) {
    options = options || {}
    this.scheme = options.scheme || 'Token'
    this.token = options.token
  }
  TokenAuthentication.prototype.authenticate = function (request) {
    request.headers.Authorization = this.scheme + ' ' + this.token
    return request
  }

  function BasicAuthentication (options) {
    options = options || {}
    this.username = options.username
    this.password = options.password
  }
  BasicAuthentication.prototype.authenticate = function (request) {
    var text = this.username + ':' + this.password
    var bytes = new TextEncoder().encode(text)
    var binary = ''
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]) }
    request.headers.Authorization = 'Basic ' + root.btoa(binary)
    return request
  }

  function SessionAuthentication (options) {
    options = options || {}
    this.csrfCookieName = options.csrfCookieName || 'csrftoken'
    this.csrfHeaderName = options.csrfHeaderName || 'X-CSRFToken'
  }
  SessionAuthentication.prototype.authenticate = function (request) {
    request.credentials = 'same-origin'
    var cookies = (root.document && root.document.cookie) || ''
    var match = cookies.match(new RegExp('(?:^|; )' + this.csrfCookieName + '=([^;]*)'))
    if (match && ['GET', 'HEAD', 'OPTIONS'].indexOf(request.method) < 0) {
      request.headers[this.csrfHeaderName] = decodeURIComponent(match[1])
    }
    return request
  }

  // Transport ------------------------------------------------------------------------

  function HTTPTransport (options) {
    options = options || {}
    this.auth = options.auth || null
    this.headers = options.headers || {}
    this.fetch = options.fetch || (root.fetch && root.fetch.bind(root))
  }

  HTTPTransport.prototype.action = function (link, decoders, params) {
    var method = (link.action || 'get').toUpperCase()
    var encoding = link.encoding || 'application/json'
    var locations = {}
    link.fields.forEach(function (field) { locations[field.name] = field.location })
    var path = {}
    var query = []
    var form = {}
    var hasForm = false
    Object.keys(params || {}).forEach(function (name) {
      var value = params[name]
      var location = locations[name] || (method === 'GET' || method === 'DELETE' ? 'query' : 'form')
      if (location === 'path') {
        path[name] = value
      } else if (location === 'query') {
        (Array.isArray(value) ? value : [value]).forEach(function (item) { query.push([name, item]) })
      } else {
        form[name] = value
        hasForm = true
      }
    })
    var url = link.url.replace(/\{([^}]+)\}/g, function (whole, name) {
      return name in path ? encodeURIComponent(String(path[name])) : ''
    })
    if (query.length) {
      url += (url.indexOf('?') < 0 ? '?' : '&') + query.map(function (pair) {
        return encodeURIComponent(pair[0]) + '=' + encodeURIComponent(String(pair[1]))
      }).join('&')
    }
    var accept = []
    decoders.forEach(function (decoder) {
      (decoder.mediaTypes || [decoder.mediaType]).forEach(function (type) { if (type.slice(-2) !== '/*') { accept.push(type) } })
    })
    accept.push('*/*')
    var request = { method: method, headers: { Accept: accept.join(', ') } }
    Object.keys(this.headers).forEach(function (name) { request.headers[name] = this.headers[name] }, this)
    if (hasForm) {
      if (encoding === 'application/x-www-form-urlencoded') {
        request.headers['Content-Type'] = encoding
        request.body = Object.keys(form).map(function (name) {
          return encodeURIComponent(name) + '=' + encodeURIComponent(String(form[name]))
        }).join('&')
      } else if (encoding === 'multipart/form-data') {
        var data = new root.FormData()
        Object.keys(form).forEach(function (name) { data.append(name, form[name]) })
        request.body = data
      } else {
        request.headers['Content-Type'] = 'application/json'
        request.body = JSON.stringify(form)
      }
    }
    if (this.auth) { this.auth.authenticate(request) }
    if (!this.fetch) { return Promise.reject(new Error('No fetch() available.')) }
    return this.fetch(url, request).then(function (response) {
      return response.text().then(function (text) {
        var result = null
        if (text.length) {
          var decoder = decoderFor(decoders, response.headers.get('Content-Type')) || decoders[0]
          result = decoder.decode(text, { url: response.url || url })
        }
        if (response.status >= 400) {
          throw new ErrorMessage(response.status + ' ' + response.statusText, { status: response.status, content: result })
        }
        return result
      })
    })
  }

  // Client ---------------------------------------------------------------------------

  function Client (options) {
    options = options || {}
    this.decoders = options.decoders || [new CoreJSONCodec(), new JSONCodec(), new TextCodec()]
    this.transports = options.transports ||
      [new HTTPTransport({ auth: options.auth, headers: options.headers, fetch: options.fetch })]
  }

  Client.prototype.get = function (url) {
    return this.transports[0].action(new Link(url, 'get'), this.decoders, {})
  }

  function lookupLink (document, keys) {
    var node = document
    for (var i = 0; i < keys.length; i++) {
      var content = node instanceof Document ? node.content : node
      if (content === null || typeof content !== 'object' || !(keys[i] in content)) {
        throw new LinkLookupError('Index ' + JSON.stringify(keys) + ' did not reference a link. Key ' +
          JSON.stringify(keys[i]) + ' was not found.')
      }
      node = content[keys[i]]
    }
    if (!(node instanceof Link)) {
      throw new LinkLookupError('Index ' + JSON.stringify(keys) + ' did not reference a link.')
    }
    return node
  }

  // As the Python client: every required field given, nothing the link does not declare.
  function validateParameters (link, params) {
    var errors = {}
    var known = {}
    link.fields.forEach(function (field) {
      known[field.name] = true
      if (field.required && !(field.name in params)) { errors[field.name] = 'This parameter is required.' }
    })
    Object.keys(params).forEach(function (name) {
      if (!known[name]) { errors[name] = 'Unknown parameter.' }
    })
    if (Object.keys(errors).length) {
      throw new ParameterError('Invalid parameters: ' + JSON.stringify(errors), { errors: errors })
    }
  }

  Client.prototype.action = function (document, keys, params, options) {
    params = params || {}
    try {
      var link = lookupLink(document, typeof keys === 'string' ? [keys] : keys)
      if (!options || options.validate !== false) { validateParameters(link, params) }
      return this.transports[0].action(link, this.decoders, params)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  root.coreapi = {
    version: version,
    Client: Client,
    Document: Document,
    Link: Link,
    Field: Field,
    auth: {
      TokenAuthentication: TokenAuthentication,
      BasicAuthentication: BasicAuthentication,
      SessionAuthentication: SessionAuthentication
    },
    codecs: { CoreJSONCodec: CoreJSONCodec, JSONCodec: JSONCodec, TextCodec: TextCodec },
    transports: { HTTPTransport: HTTPTransport },
    errors: { ParameterError: ParameterError, LinkLookupError: LinkLookupError, ErrorMessage: ErrorMessage, ParseError: ParseError }
  }
})(typeof window !== 'undefined' ? window : globalThis)