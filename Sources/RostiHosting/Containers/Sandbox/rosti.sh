#!/bin/bash
# `rosti <tech> [version]` inside an app's container (/usr/local/bin/rosti): the quick mode
# of Rosti's tool, step by step as its setTech does (docs/rosti.md). The techs are this
# machine's own, under /opt/techs/<name>-<version>/bin; the example apps under
# /opt/examples/<name>. As on Rosti, the version is not checked (an unknown one leaves a
# dangling link), an unknown tech changes nothing, and quick mode always exits 0.
set -u
[ -f /srv/.bashrc ] && . /srv/.bashrc >/dev/null 2>&1

tech=${1:-}
# The API's app_port (8080 unless the app was made with another): nginx on 8000 passes to it.
app_port=$(cat /run/rostra/app_port 2>/dev/null)
case $app_port in '' | *[!0-9]*) app_port=8080 ;; esac
version=${2:-}

# Rosti's defaults (runtime 2021.04-2), used only for a tech this machine does not have.
reference_default() {
  case $1 in
    python) echo 3.9.1 ;; php) echo 7.4.15 ;; node) echo 14.15.4 ;; ruby) echo 3.0.0 ;; deno) echo 1.7.2 ;;
  esac
}

newest_installed() {
  ls -1 /opt/techs 2>/dev/null | sed -n "s/^$1-//p" | sort -V | tail -n 1
}

set_tech() {
  local name=$1 chosen=$2
  mkdir -p /srv/bin /srv/conf/supervisor.d /srv/conf/nginx.d
  ln -sfn "/opt/techs/$name-$chosen/bin" /srv/bin/primary_tech
  [ -d "/opt/techs/$name-$chosen" ] || echo "rosti: this machine has no $name $chosen; /srv/bin/primary_tech points nowhere" >&2
  echo "Primary tech: $name $chosen"
  if [ ! -e /srv/app ]; then
    if [ -d "/opt/examples/$name" ]; then
      mkdir -p /srv/app
      cp -a "/opt/examples/$name/." /srv/app/
      # The examples listen on 8080; an app made with another app_port gets theirs there.
      [ "$app_port" = 8080 ] || sed -i "s/8080/$app_port/g" /srv/app/* 2>/dev/null
      [ -e /srv/app/supervisor.conf ] && mv /srv/app/supervisor.conf "/srv/conf/supervisor.d/$name.conf"
      echo "The example $name app is in /srv/app"
    fi
  else
    echo "/srv/app exists: nothing copied into it"
  fi
  case $name in
    python)
      if [ ! -d /srv/venv ]; then
        # Rosti's pip-installs gunicorn and bottle into it; without network that cannot be,
        # so the venv sees the machine's packages (pip included) instead.
        if /srv/bin/primary_tech/python3 -m venv --without-pip --system-site-packages /srv/venv >/dev/null 2>&1; then
          echo "Made /srv/venv (it sees the machine's Python packages; nothing is pip-installed without network)"
        else
          echo "rosti: cannot make /srv/venv (the machine's python3 has no venv module)" >&2
        fi
      else
        echo "/srv/venv exists; to use the new version, remove it and run rosti python again"
      fi ;;
    node)
      mkdir -p /srv/.npm-packages
      [ -x /srv/bin/primary_tech/npm ] && /srv/bin/primary_tech/npm config set prefix /srv/.npm-packages >/dev/null 2>&1 ;;
  esac
  rm -f /srv/conf/nginx.d/default.conf
  [ -e /srv/conf/nginx.d/app.conf ] || sed "s/@APP_PORT@/$app_port/" > /srv/conf/nginx.d/app.conf <<'CONF'
server {
    listen 8000 default_server;
    listen [::]:8000 default_server;
    location / {
        proxy_pass http://127.0.0.1:@APP_PORT@/;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $rosti_forwarded_for;
        proxy_set_header X-Forwarded-Proto $rosti_forwarded_proto;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $rosti_connection;
    }
}
CONF
  supervisorctl reread
  supervisorctl update
  [ -e /srv/run/nginx.pid ] && nginx -s reload >/dev/null 2>&1
}

case $tech in
  python | php | node | ruby | deno)
    chosen=${version:-$(newest_installed "$tech")}
    chosen=${chosen:-$(reference_default "$tech")}
    set_tech "$tech" "$chosen" ;;
  redis | memcached)
    echo "rosti: $tech is not part of Rostra's containers yet" >&2 ;;
  "")
    echo "rosti: the interactive menu needs a terminal Rostra does not emulate; use rosti <tech> [version]" >&2
    echo "techs here: $(ls -1 /opt/techs 2>/dev/null | tr '\n' ' ')" >&2 ;;
  *)
    echo "rosti: unknown tech $tech" >&2 ;;
esac
exit 0
