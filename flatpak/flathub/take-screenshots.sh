#!/usr/bin/env bash
# flatpak/flathub/take-screenshots.sh [BUILD_DIR] — retakes the screenshots
# the metainfo shows (data/screenshots/window-*.png), light and dark.
#
# Flathub asks for the app's own window, not a whole screen: each shot is
# Concord's window alone (its X11 id and rectangle from xdotool), 1000×700
# as the window-width/window-height settings ask. The app runs on its own
# data in a private Xvfb with a private session bus and an unlocked keyring
# (no window manager: the window sits at 0,0, where tools/drive-ui.py's
# clicks land), against simulated Elastic Email, Mailchimp, HubSpot and
# Pipedrive servers (`concord-mock`) set up with `concord-cli`.
#
# SCHEMES="light dark" and ONLY="main page add" pick what to retake.
# Needs: xvfb, imagemagick, xdotool, dbus, gnome-keyring, at-spi2-core,
# /usr/bin/python3 with gir1.2-atspi-2.0. Look at every PNG before committing.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/_build}" && pwd)

if [ "${CONCORD_SCREENSHOT_INNER:-}" != 1 ]; then
  export CONCORD_SCREENSHOT_INNER=1
  TMP=$(mktemp -d /tmp/concord-flathub-shots.XXXXXX)
  export HOME=$TMP/home XDG_RUNTIME_DIR=$TMP/run XDG_CONFIG_HOME=$TMP/home/.config \
         XDG_DATA_HOME=$TMP/home/.local/share XDG_CACHE_HOME=$TMP/home/.cache
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" && chmod 700 "$XDG_RUNTIME_DIR"
  unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY
  rc=0
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- "$BASH" "$0" "$BUILD" || rc=$?
  [ -n "${KEEP:-}" ] || rm -rf "$TMP"
  exit $rc
fi

OUT=$SRC/data/screenshots
WORK=$(mktemp -d /tmp/concord-flathub-work.XXXXXX)
CLI=$BUILD/src/cli/concord-cli
MOCK=$BUILD/src/connectors/concord-mock
DRIVE=$SRC/tools/drive-ui.py
export GSETTINGS_SCHEMA_DIR=$BUILD/data GIO_USE_PROXY_RESOLVER=dummy GDK_BACKEND=x11

printf 'concord-screenshots' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
gdbus wait --session --timeout 10 org.freedesktop.secrets

cleanup () { kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; }
trap cleanup EXIT

# A simulated app's server; prints its base URL.
start_mock () {   # NAME APP KEY MOCK-ARGS…
  local name=$1 app=$2 key=$3; shift 3
  "$MOCK" "$app" --port 0 --api-key "$key" "$@" >"$WORK/$name.txt" 2>/dev/null &
  echo "$!" >"$WORK/$name.pid"
  for _ in $(seq 50); do
    grep -q 'http://127' "$WORK/$name.txt" 2>/dev/null && break
    sleep 0.1
  done
  grep -o 'http://127[^ ]*' "$WORK/$name.txt"
}

# The app's own window (the newest one whose title is TITLE), saved as FILE.
shoot () {   # PID TITLE FILE
  local id
  local id X Y WIDTH HEIGHT SCREEN WINDOW
  id=$(xdotool search --sync --onlyvisible --pid "$1" --name "^$2\$" | tail -1)
  sleep 1
  # `import -window ID` reads GTK's ARGB window as black: the screen,
  # cropped to exactly the window's rectangle.
  eval "$(xdotool getwindowgeometry --shell "$id")"
  import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$3"
  echo "saved $3 ($(identify -format '%wx%h' "$3"))"
}

# Four apps with contacts, three connections, each synced once.
setup_data () {   # SCHEME
  local scheme=$1 ee mc hs pd
  export CONCORD_DATA_DIR=$WORK/data-$scheme
  rm -rf "$CONCORD_DATA_DIR"; mkdir -p "$CONCORD_DATA_DIR"
  ee=$(start_mock ee-$scheme elasticemail ee-key --generate 240)
  mc=$(start_mock mc-$scheme mailchimp mc-key-us6 --generate 180)
  hs=$(start_mock hs-$scheme hubspot hs-token --generate 90)
  pd=$(start_mock pd-$scheme pipedrive pd-token --generate 40)
  echo ee-key | "$CLI" account add elasticemail --name "Elastic Email" --base-url "$ee" >/dev/null
  echo mc-key-us6 | "$CLI" account add mailchimp --name "Mailchimp" --base-url "$mc" >/dev/null
  echo hs-token | "$CLI" account add hubspot --name "HubSpot" --base-url "$hs" >/dev/null
  echo pd-token | "$CLI" account add pipedrive --name "Pipedrive" --base-url "$pd" >/dev/null
  # Mailchimp keeps several audiences (contact types): the first one.
  local audience
  audience=$("$CLI" connection add x --a "Elastic Email" --b "Mailchimp" 2>&1 >/dev/null |
             sed -n 's/.*(\([^,)]*\).*/\1/p' || true)
  "$CLI" connection add "Newsletter audience" --a "Elastic Email" --b "Mailchimp:$audience" >/dev/null
  "$CLI" connection add "Sales leads" --a "Elastic Email" --b "HubSpot" >/dev/null
  "$CLI" connection add "Deal contacts" --a "Pipedrive" --b "Elastic Email" --direction a-to-b >/dev/null
  "$CLI" sync "Newsletter audience" >/dev/null
  "$CLI" sync "Sales leads" >/dev/null
  "$CLI" sync "Deal contacts" >/dev/null
}

suffix () { [ "$1" = dark ] && echo -dark || true; }
want () { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

# The app on that data, its window 1000×700; STEPS drive it first.
app_shot () {   # SCHEME TITLE FILE STEP…
  local scheme=$1 title=$2 file=$3 app; shift 3
  mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
  printf '[io/github/concordsync/Concord]\nwindow-width=1000\nwindow-height=700\n' \
    >"$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
  GSETTINGS_BACKEND=keyfile CONCORD_COLOR_SCHEME=$scheme "$BUILD/src/concord" \
    >"$WORK/app-$file-$scheme.log" 2>&1 &
  app=$!
  sleep 3
  if [ $# -gt 0 ]; then
    /usr/bin/python3 "$DRIVE" "$@" >"$WORK/drive-$file-$scheme.log" 2>&1 ||
      { cat "$WORK/drive-$file-$scheme.log"; kill "$app"; exit 1; }
  fi
  shoot "$app" "$title" "$OUT/$file$(suffix "$scheme").png"
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
}

for scheme in ${SCHEMES:-light dark}; do
  setup_data "$scheme"
  # Its first automatic sync settles before the shot.
  want main && app_shot "$scheme" Concord window-connections wait:8
  if want page; then
    app_shot "$scheme" Concord window-health \
      "activate:Newsletter audience@list item" wait:3
    app_shot "$scheme" Concord window-rules \
      "activate:Newsletter audience@list item" wait:2 click:Rules wait:3
    app_shot "$scheme" Concord window-mapping \
      "activate:Newsletter audience@list item" wait:2 "click:Field Mapping" wait:3
  fi
  want add && app_shot "$scheme" "Add Connection" window-add-connection \
    "click:Add Connection@push button" wait:3
  cleanup
done
