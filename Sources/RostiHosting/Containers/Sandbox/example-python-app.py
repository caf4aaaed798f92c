"""The example Python app of a Rostra container (copied into /srv/app by `rosti python`):
a WSGI app on 127.0.0.1:8080, served by the standard library, as nothing can be
pip-installed without network."""
from wsgiref.simple_server import make_server


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return ["<!doctype html><title>Roští.cz</title><h1>Ahoj z Pythonu</h1>\n".encode()]


if __name__ == "__main__":
    make_server("0.0.0.0", 8080, application).serve_forever()
