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
    // The client resolves with the decoded body only; the answer's status line is taken
    // from the fetch it makes.
    var answered = null
    var client = new window.coreapi.Client({
      auth: token ? new window.coreapi.auth.TokenAuthentication({ scheme: 'Token', token: token }) : null,
      headers: headers,
      fetch: function (url, request) {
        return window.fetch(url, request).then(function (response) {
          answered = request.method + ' ' + url + ' → ' + response.status + ' ' + response.statusText
          return response
        })
      }
    })
    show(form, 'sending…', '', false)
    client.action(window.schema, JSON.parse(form.getAttribute('data-keys')), params).then(function (result) {
      show(form, answered, result, false)
    }, function (error) {
      if (error instanceof window.coreapi.errors.ErrorMessage) show(form, answered, error.content, true)
      else if (error instanceof window.coreapi.errors.ParameterError) show(form, 'not sent: ' + error.message, error.errors, true)
      else show(form, 'not sent: ' + (error && error.message ? error.message : error), null, true)
    })
  }

  Array.prototype.forEach.call(document.querySelectorAll('form.try'), function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      send(form)
    })
  })
})()