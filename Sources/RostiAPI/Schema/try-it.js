// The "try it" forms of the Rosti API's page at /api/ (put inline into the page, so it
// must never contain the two characters that end a script element).
//
// Each form names its link's keys (data-keys) and holds one input per field (data-type);
// a submit turns the inputs into parameters and makes the call the way a browser app
// written for DRF's CoreAPI client does, through that client's public API only:
// client.action(window.schema, keys, params) with the pasted token, requestCallback and
// responseCallback for the request and status lines, and the client's exceptions (thrown
// at once for a parameter refused before sending, ErrorMessage for an answer of 400 or
// more, told apart by their name). Answers are shown as text, never as markup.
;(function () {
  'use strict'
  var tokenKey = 'rosti-try-token'
  var seedToken = 'rostidemo0000000000000000000000000000001'
  var tokenInput = document.getElementById('try-token')
  var languageInput = document.getElementById('try-language')
  tokenInput.value = sessionStorage.getItem(tokenKey) || ''
  tokenInput.addEventListener('input', function () { sessionStorage.setItem(tokenKey, tokenInput.value.trim()) })
  document.getElementById('try-seed-token').addEventListener('click', function () {
    tokenInput.value = seedToken
    sessionStorage.setItem(tokenKey, seedToken)
  })

  // The value of one input as the link's field type wants it; undefined leaves it out.
  function parameter (input) {
    var text = input.value.trim()
    if (text === '') return undefined
    switch (input.getAttribute('data-type')) {
      case 'integer': return /^-?\d+$/.test(text) ? Number(text) : text
      case 'boolean': return text === 'true'
      case 'array': return text.split(/\n/).map(function (line) { return line.trim() }).filter(function (line) { return line })
      default: return text
    }
  }

  function show (form, statusText, body, failed) {
    var status = form.querySelector('.try-status')
    status.textContent = statusText
    status.className = 'try-status ' + (failed ? 'failed' : 'succeeded')
    var output = form.querySelector('.try-body')
    output.textContent = body === null || body === undefined ? '(no body)' : typeof body === 'string' ? body : JSON.stringify(body, null, 2)
    output.hidden = false
  }

  function send (form) {
    var params = {}
    Array.prototype.forEach.call(form.querySelectorAll('[data-location]'), function (input) {
      var value = parameter(input)
      if (value !== undefined) params[input.name] = value
    })
    var token = tokenInput.value.trim()
    var headers = {}
    if (languageInput.value) headers['Accept-Language'] = languageInput.value
    // The client resolves with the decoded body only: the request and status lines come
    // from its callbacks.
    var sent = ''
    var answered = null
    var client = new window.coreapi.Client({
      auth: token ? new window.coreapi.auth.TokenAuthentication({ scheme: 'Token', token: token }) : null,
      headers: headers,
      requestCallback: function (request) { sent = request.options.method + ' ' + request.url },
      responseCallback: function (response) { answered = sent + ' → ' + response.status + ' ' + response.statusText }
    })
    show(form, 'sending…', '', false)
    var call
    try {
      call = client.action(window.schema, JSON.parse(form.getAttribute('data-keys')), params)
    } catch (error) {
      // A missing required field or an unknown parameter: refused before anything is sent.
      show(form, 'not sent: ' + error.message, error.name + ': ' + error.message, true)
      return
    }
    call.then(function (result) {
      // Only an answer without content (204) resolves without a responseCallback.
      show(form, answered || sent + ' → no content', result, false)
    }, function (error) {
      if (error.name === 'ErrorMessage') show(form, answered, error.content, true)
      else show(form, (answered || sent + ' → no answer') + ': ' + error.message, null, true)
    })
  }

  Array.prototype.forEach.call(document.querySelectorAll('form.try'), function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      send(form)
    })
  })
})()
