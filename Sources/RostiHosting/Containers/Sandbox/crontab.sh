#!/bin/bash
# `crontab` inside an app's container. Debian's crontab is setgid and writes the root-owned
# /var/spool/cron, which an unprivileged sandbox cannot; this one checks the table the way
# Vixie cron's crontab does and installs it as /var/spool/cron/crontabs/app, the app's own
# spool, where Rostra's cron reads it (docs/rosti.md, "Cron").
set -u
spool=/var/spool/cron/crontabs
user=app
program=crontab

usage() {
  echo "usage: $program [-u app] { file | - | -l | -r | -e }" >&2
  exit 1
}

if [ "${1:-}" = -u ]; then
  if [ "${2:-}" != "$user" ]; then
    echo "must be privileged to use -u" >&2
    exit 1
  fi
  shift 2
fi

# Vixie cron's rules: blank lines and comments; NAME=value; @reboot … @hourly with a
# command; or five time fields (numbers in range, *, a-b, /step, lists, month and day
# names) and a command. Prints its complaints as crontab does, and fails on any.
check() {
  awk -v file="$2" '
    function names(field, list,    i) { for (i in list) gsub(list[i], i, field); return field }
    function valid(field, low, high,    items, n, i, item, range, step, bounds) {
      n = split(field, items, ",")
      for (i = 1; i <= n; i++) {
        item = items[i]; step = ""
        if (item ~ /\//) { split(item, range, "/"); item = range[1]; step = range[2]
          if (step !~ /^[0-9]+$/ || step + 0 < 1) return 0 }
        if (item == "*") continue
        if (item ~ /^[0-9]+$/) { if (item + 0 < low || item + 0 > high || step != "") return 0; continue }
        if (item ~ /^[0-9]+-[0-9]+$/) { split(item, bounds, "-")
          if (bounds[1] + 0 < low || bounds[2] + 0 > high || bounds[1] + 0 > bounds[2] + 0) return 0; continue }
        return 0
      }
      return n > 0
    }
    BEGIN {
      split("jan feb mar apr may jun jul aug sep oct nov dec", m, " "); for (i in m) months[i] = m[i]
      split("sun mon tue wed thu fri sat", d, " "); for (i in d) days[i - 1] = d[i]
      label[1] = "minute"; label[2] = "hour"; label[3] = "day of month"; label[4] = "month"; label[5] = "day of week"
      low[1] = 0; high[1] = 59; low[2] = 0; high[2] = 23; low[3] = 1; high[3] = 31; low[4] = 1; high[4] = 12; low[5] = 0; high[5] = 7
      bad = 0
    }
    /^[ \t]*(#|$)/ { next }
    /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*=/ { next }
    /^[ \t]*@/ {
      if ($0 ~ /^[ \t]*@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)[ \t]+[^ \t]/) next
      printf "\"%s\":%d: bad time specifier\n", file, NR > "/dev/stderr"; bad = 1; next
    }
    {
      n = split($0, f, /[ \t]+/); start = (f[1] == "") ? 2 : 1
      if (n - start + 1 < 6) { printf "\"%s\":%d: bad command\n", file, NR > "/dev/stderr"; bad = 1; next }
      for (k = 0; k < 5; k++) {
        field = tolower(f[start + k])
        if (k == 3) field = names(field, months)
        if (k == 4) field = names(field, days)
        if (!valid(field, low[k + 1], high[k + 1])) {
          printf "\"%s\":%d: bad %s\n", file, NR, label[k + 1] > "/dev/stderr"; bad = 1; next
        }
      }
    }
    END { exit bad }' "$1"
}

install_table() {
  if ! check "$1" "$2"; then
    echo "errors in crontab file, can't install." >&2
    exit 1
  fi
  mkdir -p "$spool" && cp "$1" "$spool/.$user.new" && mv "$spool/.$user.new" "$spool/$user"
}

case "${1:-}" in
  -l)
    [ -e "$spool/$user" ] || { echo "no crontab for $user" >&2; exit 1; }
    cat "$spool/$user" ;;
  -r)
    [ -e "$spool/$user" ] || { echo "no crontab for $user" >&2; exit 1; }
    rm -f "$spool/$user" ;;
  -e)
    scratch=$(mktemp /tmp/crontab.XXXXXX)
    [ -e "$spool/$user" ] && cat "$spool/$user" > "$scratch"
    ${VISUAL:-${EDITOR:-vi}} "$scratch" && install_table "$scratch" "$scratch"
    rm -f "$scratch" ;;
  -)
    scratch=$(mktemp /tmp/crontab.XXXXXX)
    cat > "$scratch"
    install_table "$scratch" "-"
    rm -f "$scratch" ;;
  "" | -*) usage ;;
  *)
    [ $# -eq 1 ] || usage
    [ -r "$1" ] || { echo "$program: can't open '$1'" >&2; exit 1; }
    install_table "$1" "$1" ;;
esac
