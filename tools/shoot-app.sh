#!/usr/bin/env bash
# tools/shoot-app.sh APP [BUILD_DIR] — the Add Connection screenshots of one
# app, against its simulated server:
#
#   docs/screenshots/add-connection-APP-1-key.png    its key step, checked
#   docs/screenshots/add-connection-APP-2-types.png  its contact-type step
#
# APP is any app whose mock is in src/connectors/concord-apps.list
# (`concord-mock --list`). The script starts `concord-mock APP` with a
# made-up key and some generated contacts, and walks Add Connection with
# Elastic Email (an in-process mock) as the first app and APP as the
# second, through the case /concord/ui/add-connection/app-steps of
# tests/test-add-connection.c (which, run without this script, walks every
# app of the mock list against in-process mocks).
#
# SCHEMES="light dark" also takes the dark style (*-dark.png); OUT=DIR
# writes elsewhere than docs/screenshots. Each shot is a whole 1280×800
# screen: a private Xvfb with a window manager (metacity, so the dialog
# sits centred over the app's window), a private session bus and an
# unlocked keyring.
#
# Needs: xvfb, metacity, imagemagick, dbus, gnome-keyring.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
  echo "usage: $0 APP [BUILD_DIR]" >&2
  exit 2
fi
APP=$1
BUILD=$(cd "${2:-$SRC/_build}" && pwd)
MOCK=$BUILD/src/connectors/concord-mock
TEST=$BUILD/tests/test-add-connection

if ! "$MOCK" --list | grep -qx "$APP"; then
  echo "$0: no mock of \"$APP\"; these have one:" >&2
  "$MOCK" --list >&2
  exit 2
fi

if [ "${CONCORD_SCREENSHOT_INNER:-}" != 1 ]; then
  export CONCORD_SCREENSHOT_INNER=1
  TMP=$(mktemp -d /tmp/concord-shoot-app.XXXXXX)
  export HOME=$TMP/home XDG_RUNTIME_DIR=$TMP/run XDG_CONFIG_HOME=$TMP/home/.config \
         XDG_DATA_HOME=$TMP/home/.local/share XDG_CACHE_HOME=$TMP/home/.cache
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" && chmod 700 "$XDG_RUNTIME_DIR"
  unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY
  rc=0
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- "$BASH" "$0" "$APP" "$BUILD" || rc=$?
  [ -n "${KEEP:-}" ] || rm -rf "$TMP"
  exit $rc
fi

OUT=${OUT:-$SRC/docs/screenshots}
WORK=$(mktemp -d /tmp/concord-shoot-work.XXXXXX)
# 32 hex digits and a data centre: a shape every app's form takes
# (Mailchimp's keys end in theirs).
export GSETTINGS_SCHEMA_DIR=$BUILD/data GSETTINGS_BACKEND=memory GIO_USE_PROXY_RESOLVER=dummy \
       GDK_BACKEND=x11 GSK_RENDERER=cairo NO_AT_BRIDGE=1

printf 'concord-screenshots' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
gdbus wait --session --timeout 10 org.freedesktop.secrets
metacity --sm-disable >/dev/null 2>&1 &
WM=$!
MOCK_PID=
cleanup () { kill $MOCK_PID "$WM" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
sleep 1

# The app's simulated server, with a key of its own and some contacts.
# Without --api-key it makes up a key of the app's own shape (Mailchimp's
# names a data centre) and says which on standard error.
"$MOCK" "$APP" --port 0 --generate 40 >"$WORK/mock.txt" 2>"$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$WORK/mock.txt" 2>/dev/null && break
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$WORK/mock.txt")
KEY=$(sed -n 's/^The simulated .* accepts the key “\(.*\)”$/\1/p' "$WORK/mock.err")
if [ -z "$URL" ] || [ -z "$KEY" ]; then
  echo "$0: concord-mock $APP did not start:" >&2
  cat "$WORK/mock.err" >&2
  exit 1
fi

for scheme in ${SCHEMES:-light}; do
  suffix=; [ "$scheme" = dark ] && suffix=-dark
  rm -rf "$WORK/shots"; mkdir -p "$WORK/shots"
  CONCORD_COLOR_SCHEME=$scheme CONCORD_SCREENSHOT_DIR=$WORK/shots \
  CONCORD_SHOOT_APP=$APP CONCORD_SHOOT_BASE_URL=$URL CONCORD_SHOOT_KEY=$KEY \
    "$TEST" -p /concord/ui/add-connection/app-steps >"$WORK/test.log" 2>&1 ||
    { cat "$WORK/test.log" >&2; exit 1; }
  for step in 1-key 2-types; do
    png=$WORK/shots/add-connection-$APP-$step.png
    [ -f "$png" ] || { echo "$0: $png was not taken" >&2; cat "$WORK/test.log" >&2; exit 1; }
    cp "$png" "$OUT/add-connection-$APP-$step$suffix.png"
    echo "$OUT/add-connection-$APP-$step$suffix.png"
  done
done
