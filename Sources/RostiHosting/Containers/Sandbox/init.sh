#!/bin/bash
# The app container's boot (/run/rostra/init.sh), run by bubblewrap as `app` inside the
# app's sandbox, in the order of Rosti's start.sh: folders, stale sockets, the crontab,
# the app's own init.sh, then supervisord. Rostra reads descriptor 5: once the sandbox is
# complete (its mounts done, stale sockets gone, the crontab installed), SSH sessions are
# entered and cron starts; the container's `supervisorctl` waits for supervisord's socket.
set -u

# Nothing of the host may stay open in here: bubblewrap's own descriptors (folders it
# mounted, data it copied) are inherited by its command.
for fd in /proc/self/fd/*; do
  fd=${fd##*/}
  case $fd in 0|1|2|5) ;; *) eval "exec $fd>&-" 2>/dev/null ;; esac
done
# Before any session: a socket left by the last boot would look like a listening supervisord.
rm -f /srv/run/*.sock /srv/run/*.pid

cd /srv
mkdir -p /srv/log /srv/conf/supervisor.d /srv/conf/nginx.d /srv/run /srv/var/nginx /srv/bin
# place SOURCE TARGET: a copy that appears whole or not at all. A container stopped while
# it boots (an apps-action right after another) must not leave an empty file that every
# later boot takes as the user's own and keeps.
place() {
  cp "$1" "/srv/run/.placing.$$" && mv -f "/srv/run/.placing.$$" "$2"
}
rm -f /srv/run/.placing.*
for dotfile in .bashrc .bash_profile; do
  [ -e "/srv/$dotfile" ] || [ -L "/srv/$dotfile" ] || place "/run/rostra/${dotfile#.}" "/srv/$dotfile"
done
[ -e /srv/conf/crontab ] || printf '# The crontab of this app: edit it, then run: crontab /srv/conf/crontab\n' > /srv/conf/crontab
crontab /srv/conf/crontab >>/srv/log/cron.log 2>&1 || echo "boot: crontab /srv/conf/crontab failed" >>/srv/log/cron.log
# Cron (Rostra runs the table, on the emulator's clock) starts here, as in start.sh: its
# @reboot jobs see the table just installed.
echo ready >&5
exec 5>&-
if [ -f /srv/app/init.sh ]; then
  chmod +x /srv/app/init.sh
  (cd /srv/app && ./init.sh) >>/srv/log/init.log 2>&1
fi

# Rosti's front: nginx on 8000, the welcome page until a tech is chosen.
if [ -z "$(ls -A /srv/conf/nginx.d 2>/dev/null)" ]; then
  place /opt/examples/nginx/default.conf /srv/conf/nginx.d/default.conf
fi
[ -e /srv/conf/supervisor.d/nginx.conf ] || place /opt/examples/nginx/supervisor.conf /srv/conf/supervisor.d/nginx.conf

supervisord -n -c /etc/supervisor/supervisord.conf &
supervisord=$!
wait "$supervisord"
status=$?
echo "$(date -Is) supervisord ended (status $status); fix /srv/conf/supervisor.d/ and restart the app" >>/srv/log/supervisord.log
# The container stays, so that SSH still lets the app's owner in to fix the config.
exec sleep infinity
