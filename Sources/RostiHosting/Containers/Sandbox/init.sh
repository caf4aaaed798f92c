#!/bin/bash
# The app container's boot (/run/rostra/init.sh), run by bubblewrap as `app` inside the
# app's sandbox, in the order of Rosti's start.sh: folders, stale sockets, the crontab,
# the app's own init.sh, then supervisord. Rostra reads two pipes: descriptor 5 once the
# sandbox is complete (its mounts done, so an SSH session can be entered), descriptor 6
# once supervisord listens (or has given up), so that a first `supervisorctl` finds it.
set -u

# Nothing of the host may stay open in here: bubblewrap's own descriptors (folders it
# mounted, data it copied) are inherited by its command.
for fd in /proc/self/fd/*; do
  fd=${fd##*/}
  case $fd in 0|1|2|5|6) ;; *) eval "exec $fd>&-" 2>/dev/null ;; esac
done
echo ready >&5
exec 5>&-

cd /srv
mkdir -p /srv/log /srv/conf/supervisor.d /srv/conf/nginx.d /srv/run /srv/var/nginx /srv/bin
rm -f /srv/run/*.sock /srv/run/*.pid
for dotfile in .bashrc .bash_profile; do
  [ -e "/srv/$dotfile" ] || [ -L "/srv/$dotfile" ] || cp "/run/rostra/${dotfile#.}" "/srv/$dotfile"
done
[ -e /srv/conf/crontab ] || printf '# The crontab of this app: edit it, then run: crontab /srv/conf/crontab\n' > /srv/conf/crontab
crontab /srv/conf/crontab >>/srv/log/cron.log 2>&1 || echo "boot: crontab /srv/conf/crontab failed" >>/srv/log/cron.log
if [ -f /srv/app/init.sh ]; then
  chmod +x /srv/app/init.sh
  (cd /srv/app && ./init.sh) >>/srv/log/init.log 2>&1
fi

# Rosti's front: nginx on 8000, the welcome page until a tech is chosen.
if [ -z "$(ls -A /srv/conf/nginx.d 2>/dev/null)" ]; then
  cp /opt/examples/nginx/default.conf /srv/conf/nginx.d/default.conf
fi
[ -e /srv/conf/supervisor.d/nginx.conf ] || cp /opt/examples/nginx/supervisor.conf /srv/conf/supervisor.d/nginx.conf

supervisord -n -c /etc/supervisor/supervisord.conf &
supervisord=$!
while [ ! -S /srv/run/supervisor.sock ] && kill -0 "$supervisord" 2>/dev/null; do sleep 0.02; done
echo up >&6
exec 6>&-
wait "$supervisord"
status=$?
echo "$(date -Is) supervisord ended (status $status); fix /srv/conf/supervisor.d/ and restart the app" >>/srv/log/supervisord.log
# The container stays, so that SSH still lets the app's owner in to fix the config.
exec sleep infinity
