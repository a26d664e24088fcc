#!/usr/bin/env bash
# tools/in-session.sh CMD [ARGS…] — runs CMD the way .ci/run runs the tests:
# under Xvfb, inside a private session bus with an unlocked gnome-keyring,
# a throw-away home (so Evolution Data Server, D-Bus-activated, starts
# there) and a Radicale on loopback (INFRA_DAV_URL, .ci/start-radicale).
# For one test or a benchmark without the whole suite, e.g.
#
#   tools/in-session.sh meson test -C _build radicale-carddav
#   tools/in-session.sh bench/concord-bench-addressbook.sh _build-release
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--inner" ]; then
  shift
  printf 'concord-ci-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  gdbus wait --session --timeout 10 org.freedesktop.secrets >/dev/null || echo "in-session: the keyring did not start" >&2
  # shellcheck source=/dev/null
  . "$SRC/.ci/start-radicale" "$HOME/../radicale" >/dev/null || echo "in-session: Radicale did not start" >&2
  "$@"; rc=$?
  [ -n "${RADICALE_PID:-}" ] && kill "$RADICALE_PID" 2>/dev/null
  exit $rc
fi
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS…]" >&2; exit 2; }
T=$(mktemp -d /tmp/concord-session.XXXXXX)
export HOME=$T/home XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/home/.config \
  XDG_DATA_HOME=$T/home/.local/share XDG_CACHE_HOME=$T/home/.cache \
  GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY
xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" dbus-run-session -- "$0" --inner "$@"
rc=$?
rm -rf "$T"
exit $rc
