#!/bin/bash
# `supervisorctl` inside an app's container (/usr/local/bin, ahead of Debian's). As on
# Rosti, SSH answers before the container's boot has started supervisord, and a client may
# run `supervisorctl` at once (rostictl's step 2 comes right after `echo 1`): this waits
# for supervisord's socket — at most the seconds Rostra wrote beside it — then runs the
# real supervisorctl, whose output and exit status are the answer.
seconds=$(cat /run/rostra/supervisord_start_seconds 2>/dev/null || echo 10)
for _ in $(seq $((seconds * 50))); do
  [ -S /srv/run/supervisor.sock ] && break
  sleep 0.02
done
exec /usr/bin/supervisorctl "$@"
