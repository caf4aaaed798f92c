// The example Node app of a Rostra container (copied into /srv/app by `rosti node`): an
// HTTP server on 8080.
const http = require('http')

http.createServer(function (request, response) {
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
  response.end('<!doctype html><title>Roští.cz</title><h1>Ahoj z Node.js</h1>\n')
}).listen(8080, '0.0.0.0')
