#!/usr/bin/env bash
# tools/take-screenshots.sh [BUILD_DIR] — retakes data/screenshots/*.png.
#
# ONLY="empty ok error prefs sample page flow tests" and SCHEMES="light dark"
# pick what to retake. Every screenshot is a whole 1280×800 screen: a private Xvfb with a window
# manager (metacity, so dialogs sit centred over their window), a private
# session bus and an unlocked keyring, in the light style and then in the
# dark one (*-dark.png). Sample apps are Elastic Email mock servers set up
# with concord-cli; the Add Connection steps come from the flow test
# (tests/test-add-connection.c with CONCORD_SCREENSHOT_DIR); the rule and
# mapping editors, Activity and Health from their own tests ("tests").
#
# Needs: xvfb, metacity, imagemagick, xdotool, dbus, gnome-keyring, at-spi2-core,
# /usr/bin/python3 with gir1.2-atspi-2.0 (for tools/drive-ui.py).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/_build}" && pwd)

if [ "${CONCORD_SCREENSHOT_INNER:-}" != 1 ]; then
  export CONCORD_SCREENSHOT_INNER=1
  TMP=$(mktemp -d /tmp/concord-shots.XXXXXX)
  export HOME=$TMP/home XDG_RUNTIME_DIR=$TMP/run XDG_CONFIG_HOME=$TMP/home/.config \
         XDG_DATA_HOME=$TMP/home/.local/share XDG_CACHE_HOME=$TMP/home/.cache
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" && chmod 700 "$XDG_RUNTIME_DIR"
  unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$BASH" "$0" "$BUILD"
  [ -n "${KEEP:-}" ] || rm -rf "$TMP"
  exit 0
fi

OUT=$SRC/data/screenshots
WORK=$(mktemp -d /tmp/concord-shot-work.XXXXXX)
CLI=$BUILD/src/cli/concord-cli
MOCK=$BUILD/src/connectors/concord-mock
export GSETTINGS_SCHEMA_DIR=$BUILD/data GIO_USE_PROXY_RESOLVER=dummy GDK_BACKEND=x11

printf 'concord-screenshots' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
gdbus wait --session --timeout 10 org.freedesktop.secrets
metacity --sm-disable >/dev/null 2>&1 &
WM=$!
sleep 1

# Each mock leaves its pid in $WORK/NAME.pid (they start in subshells).
cleanup () { kill $(cat "$WORK"/*.pid 2>/dev/null) "$WM" 2>/dev/null || true; }
trap cleanup EXIT

suffix () { [ "$1" = dark ] && echo -dark || true; }

# A mock Elastic Email server; prints its base URL.
start_mock () {   # NAME KEY MOCK-ARGS…
  local name=$1 key=$2; shift 2
  "$MOCK" elasticemail --port 0 --api-key "$key" "$@" >"$WORK/$name.txt" 2>/dev/null &
  for _ in $(seq 50); do
    grep -q 'http://127' "$WORK/$name.txt" 2>/dev/null && break
    sleep 0.1
  done
  echo "$!" >"$WORK/$name.pid"
  grep -o 'http://127[^ ]*/v4' "$WORK/$name.txt"
}

# The app on its own data, window 1280×800; MODE: empty | ok | error | prefs | sample-menu | sample.
app_shot () {   # SCHEME MODE FILE
  local scheme=$1 mode=$2 file=$3
  local data=$WORK/data-$mode-$scheme
  rm -rf "$data"; mkdir -p "$data"
  export CONCORD_DATA_DIR=$data
  if [ "$mode" != empty ] && [ "$mode" != sample ] && [ "$mode" != sample-menu ]; then
    local ua ub uc
    ua=$(start_mock shop-$mode-$scheme ka --generate 240)
    echo '{"custom_fields": ["city","age","plan"], "lists": ["Newsletter","Customers","VIP"], "contacts": []}' >"$WORK/seed.json"
    ub=$(start_mock news-$mode-$scheme kb --seed "$WORK/seed.json")
    uc=$(start_mock events-$mode-$scheme kc --generate 30)
    echo ka | "$CLI" account add elasticemail --name "Online shop" --option base_url="$ua" >/dev/null
    echo kb | "$CLI" account add elasticemail --name "Newsletter" --option base_url="$ub" >/dev/null
    echo kc | "$CLI" account add elasticemail --name "Events" --option base_url="$uc" >/dev/null
    "$CLI" connection add "Shop customers" --a "Online shop" --b "Newsletter" >/dev/null
    "$CLI" connection add "Event sign-ups" --a "Events" --b "Newsletter" --direction a-to-b >/dev/null
    "$CLI" sync "Shop customers" >/dev/null
    "$CLI" sync "Event sign-ups" >/dev/null
    # The events app goes away: that connection starts failing.
    [ "$mode" = error ] && kill "$(cat "$WORK/events-$mode-$scheme.pid")"
  fi
  mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
  printf '[io/github/concordsync/Concord]\nwindow-width=1280\nwindow-height=800\n' \
    >"$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
  GSETTINGS_BACKEND=keyfile CONCORD_COLOR_SCHEME=$scheme "$BUILD/src/concord" >"$data/app.log" 2>&1 &
  local app=$!
  sleep 3
  case $mode in
    error) sleep 25 ;;   # the run fails after the connector's retries
    prefs) gapplication action io.github.concordsync.Concord preferences; sleep 2 ;;
    # The menu of sample apps, open.
    sample-menu) /usr/bin/python3 "$SRC/tools/drive-ui.py" "click:Try with Sample Data" wait:1 \
              >"$data/drive.log" 2>&1 ;;
    # The menu of sample apps, then one (SAMPLE_APP="Sample CRM" for another).
    sample) /usr/bin/python3 "$SRC/tools/drive-ui.py" "click:Try with Sample Data" wait:1 \
              "click:${SAMPLE_APP:-Sample Pipedrive}" wait:4 >"$data/drive.log" 2>&1 ;;
    page-*) /usr/bin/python3 "$SRC/tools/drive-ui.py" "activate:Shop customers@list item" wait:2 \
              ${section:+"click:$section"} wait:3 >"$data/drive.log" 2>&1 ;;
  esac
  import -window root "$OUT/$file$(suffix "$scheme").png"
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
}

# ONLY="sample flow" retakes only those.
want () { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

for scheme in ${SCHEMES:-light dark}; do
  want empty && app_shot "$scheme" empty main-window-empty
  want ok && app_shot "$scheme" ok main-window
  want error && app_shot "$scheme" error main-window-error
  want prefs && app_shot "$scheme" prefs preferences
  want sample && app_shot "$scheme" sample-menu main-window-sample-menu
  want sample && app_shot "$scheme" sample add-connection-sample-data
  # A connection's page, each of its sections.
  want page && section= app_shot "$scheme" page-overview connection-overview
  want page && section=Rules app_shot "$scheme" page-rules connection-rules
  want page && section="Field Mapping" app_shot "$scheme" page-mapping connection-mapping
  want page && section=Activity app_shot "$scheme" page-activity connection-activity

  # Every step of Add Connection, from the flow test.
  want flow || continue
  rm -rf "$WORK/flow"; mkdir -p "$WORK/flow"
  GSETTINGS_BACKEND=memory GSK_RENDERER=cairo CONCORD_COLOR_SCHEME=$scheme \
  CONCORD_SCREENSHOT_DIR=$WORK/flow \
    "$BUILD/tests/test-add-connection" -p /concord/ui/add-connection/flow \
    -p /concord/ui/add-connection/contact-type >"$WORK/flow.log" 2>&1 ||
    { cat "$WORK/flow.log"; exit 1; }
  for png in "$WORK"/flow/*.png; do
    cp "$png" "$OUT/$(basename "$png" .png)$(suffix "$scheme").png"
  done
done

# The editors and a connection's Activity and Health, from their UI tests
# (each saves its light and dark shots; GTK_A11Y=test as meson runs them):
# only the files kept here.
if want tests; then
  rm -rf "$WORK/tests"; mkdir -p "$WORK/tests"
  # test-activity-view takes the dark style from CONCORD_COLOR_SCHEME.
  for run in test-rule-editor:light test-mapping-editor:light test-activity-view:light \
             test-activity-view:dark; do
    t=${run%:*}
    G_TEST_SRCDIR=$SRC/tests G_TEST_BUILDDIR=$BUILD/tests GSETTINGS_BACKEND=memory GSK_RENDERER=cairo \
    GTK_A11Y=test CONCORD_COLOR_SCHEME=${run#*:} CONCORD_SCREENSHOT_DIR=$WORK/tests "$BUILD/tests/$t" \
      >"$WORK/$t.log" 2>&1 || { cat "$WORK/$t.log"; exit 1; }
  done
  for png in "$WORK"/tests/*.png; do
    if [ -e "$OUT/$(basename "$png")" ]; then cp "$png" "$OUT/"; fi
  done
fi

ls -l "$OUT"
