#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# concord-bench-addressbook.sh — one Radicale address book of N cards into
# an empty vCard folder, with Concord (CardDAV → vCard folder, one way,
# through concord-cli) and with vdirsyncer (carddav → filesystem), in one
# run, for each N (default 2,000 and 10,000). Prints one line per figure
# and the ratios against the issue's targets:
#
#   first sync     ≤ 1.3 × the server's own time for one sync-collection
#                  REPORT plus addressbook-multigets of all cards (curl, in
#                  batches of MULTIGET_BATCH hrefs, as Concord asks)
#   no-change run  ≥ 10 × faster than vdirsyncer's no-change run
#   peak RSS       ≤ vdirsyncer's
#
# Usage (from the source tree, after `meson compile -C _build`), inside a
# session with a keyring (the CardDAV password goes to it), e.g.:
#
#   tools/in-session.sh bench/concord-bench-addressbook.sh [BUILD_DIR] [N …]
#
# It starts a Radicale of its own (.ci/start-radicale) on a free loopback
# port, seeds each book with one whole-collection PUT of the generator's
# cards (bench/concord-bench-addressbook-gen.py), and measures every
# program with /usr/bin/time -v (wall clock, maximum resident set size).
# Radicale's cache of the book is warmed by one REPORT first (not
# measured), so the server's time and both tools' first syncs see the same
# warm server.
#
# The folders, Radicale's storage and the state go under $TMPDIR (/tmp by
# default): on ext4 without a journal (the machine of the figures in
# bench/README.md), creating a file gets slower as recently deleted inodes
# pile up (the kernel's recently_deleted() check), which both tools pay per
# card; TMPDIR=/dev/shm measures without it.
#
# Lines: bench-addressbook phase=<name> n=<cards> wall_s=<s> rss_mb=<MB> [...]

set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/_build}
[ $# -gt 0 ] && shift
NS=${*:-2000 10000}
CLI=$BUILD/src/cli/concord-cli
MULTIGET_BATCH=${MULTIGET_BATCH:-100}

for tool in curl vdirsyncer radicale python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "concord-bench-addressbook: $tool is missing" >&2; exit 1; }
done
[ -x "$CLI" ] || { echo "concord-bench-addressbook: no $CLI (build first)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/concord-bench-addressbook.XXXXXX")
RADICALE_PID=
cleanup () {
  [ -n "$RADICALE_PID" ] && kill "$RADICALE_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=/dev/null
. "$SRC/.ci/start-radicale" "$WORK/radicale" || exit 1
DAV=${INFRA_DAV_URL%/}
AUTH="$INFRA_DAV_USER:$INFRA_DAV_PASS"

# "wall_s rss_mb" of a /usr/bin/time -v report
time_figures () {
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                                          for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
              /Maximum resident set size/ { rss = $2 / 1024 }
              END { printf "%.3f %.1f\n", wall, rss }' "$1"
}

# Runs "$@" under /usr/bin/time -v; sets WALL and RSS; output to $WORK/out
measure () {
  /usr/bin/time -v -o "$WORK/time" "$@" > "$WORK/out" 2> "$WORK/err" ||
    { echo "concord-bench-addressbook: $* failed:" >&2; tail -20 "$WORK/err" >&2; exit 1; }
  read -r WALL RSS < <(time_figures "$WORK/time")
}

ratio () {
  python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b if b > 0 else float('inf')))" "$1" "$2"
}

verdict () {  # VALUE OP TARGET
  python3 -c "import sys, operator; v, op, t = float(sys.argv[1]), sys.argv[2], float(sys.argv[3]);
print('met' if {'<=': operator.le, '>=': operator.ge}[op](v, t) else 'MISSED')" "$1" "$2" "$3"
}

count_cards () {
  find "$1" -maxdepth 1 -name '*.vcf' ! -name '.*' | wc -l
}

SYNC_BODY='<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>'

for N in $NS; do
  BOOK=$DAV/$INFRA_DAV_USER/bench-$N/
  DATA=$WORK/concord-$N
  FOLDER=$WORK/folder-$N
  VDS=$WORK/vds-$N
  mkdir -p "$FOLDER" "$VDS/local" "$WORK/multiget-$N"

  # Seed: one whole-collection PUT (Radicale 3 makes the address book).
  python3 "$SRC/bench/concord-bench-addressbook-gen.py" "$N" "$WORK/all-$N.vcf"
  measure curl -sS -f -u "$AUTH" -X PUT "$BOOK" -H 'Content-Type: text/vcard' -H 'Expect:' \
    --data-binary "@$WORK/all-$N.vcf"
  echo "bench-addressbook phase=seed n=$N wall_s=$WALL"

  # Radicale builds its cache of the book on the first read (seconds for
  # 10,000 cards): one REPORT, not measured, so every figure below sees a
  # warm server.
  measure curl -sS -f -u "$AUTH" -X REPORT "$BOOK" -H 'Depth: 0' \
    -H 'Content-Type: application/xml; charset=utf-8' --data-binary "$SYNC_BODY" -o /dev/null
  echo "bench-addressbook phase=server-warm-up n=$N wall_s=$WALL"

  # The server's own time: one sync-collection REPORT, then multigets of
  # every href, MULTIGET_BATCH a request, in one curl process.
  measure curl -sS -f -u "$AUTH" -X REPORT "$BOOK" -H 'Depth: 0' \
    -H 'Content-Type: application/xml; charset=utf-8' --data-binary "$SYNC_BODY" -o "$WORK/report-$N.xml"
  REPORT_WALL=$WALL
  python3 - "$WORK/report-$N.xml" "$WORK/multiget-$N" "$BOOK" "$AUTH" "$MULTIGET_BATCH" <<'PY'
import os, re, sys
report, out, book, auth, batch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
hrefs = [h for h in re.findall(r'<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>', open(report).read())
         if h.endswith('.vcf')]
with open(os.path.join(out, 'curl.conf'), 'w') as conf:
    for i in range(0, len(hrefs), batch):
        body = os.path.join(out, 'body-%05d.xml' % i)
        with open(body, 'w') as f:
            f.write('<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" '
                    'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/>'
                    '</D:prop>' + ''.join('<D:href>%s</D:href>' % h for h in hrefs[i:i + batch]) +
                    '</C:addressbook-multiget>')
        conf.write('next\nurl = "%s"\nrequest = "REPORT"\nuser = "%s"\nheader = "Depth: 1"\n'
                   'header = "Content-Type: application/xml; charset=utf-8"\n'
                   'data-binary = "@%s"\noutput = "/dev/null"\nfail\nsilent\nshow-error\n' % (book, auth, body))
print(len(hrefs), file=open(os.path.join(out, 'count'), 'w'))
PY
  HREFS=$(cat "$WORK/multiget-$N/count")
  measure curl -K "$WORK/multiget-$N/curl.conf"
  MULTIGET_WALL=$WALL
  SERVER=$(python3 -c "print('%.3f' % ($REPORT_WALL + $MULTIGET_WALL))")
  echo "bench-addressbook phase=server n=$N wall_s=$SERVER report_s=$REPORT_WALL multiget_s=$MULTIGET_WALL hrefs=$HREFS batch=$MULTIGET_BATCH"

  # The server's own time for a run without changes: one sync-collection
  # REPORT with the token of the first (nothing changed since), what an
  # incremental client's quiet run cannot do without.
  TOKEN=$(python3 -c "import re, sys; m = re.findall(r'<(?:\w+:)?sync-token>([^<]+)</', open(sys.argv[1]).read()); print(m[-1] if m else '')" "$WORK/report-$N.xml")
  measure curl -sS -f -u "$AUTH" -X REPORT "$BOOK" -H 'Depth: 0' \
    -H 'Content-Type: application/xml; charset=utf-8' \
    --data-binary "${SYNC_BODY/<D:sync-token\/>/<D:sync-token>$TOKEN</D:sync-token>}" -o /dev/null
  SERVER_QUIET=$WALL
  echo "bench-addressbook phase=server-no-change n=$N wall_s=$WALL"

  # Concord: CardDAV → an empty vCard folder, one way.
  printf '%s\n' "$INFRA_DAV_PASS" | "$CLI" --data-dir "$DATA" account add carddav --name dav \
    --option "url=$DAV/" --option "username=$INFRA_DAV_USER" > /dev/null
  "$CLI" --data-dir "$DATA" account add vcard-folder --name folder --option "path=$FOLDER" \
    < /dev/null > /dev/null
  "$CLI" --data-dir "$DATA" connection add bench --a "dav:/$INFRA_DAV_USER/bench-$N/" --b folder \
    --direction a-to-b > /dev/null
  measure "$CLI" --data-dir "$DATA" sync bench --json
  C_FIRST=$WALL C_FIRST_RSS=$RSS
  echo "bench-addressbook phase=concord-first n=$N wall_s=$WALL rss_mb=$RSS cards=$(count_cards "$FOLDER")"
  measure "$CLI" --data-dir "$DATA" sync bench --json
  C_QUIET=$WALL C_QUIET_RSS=$RSS
  echo "bench-addressbook phase=concord-no-change n=$N wall_s=$WALL rss_mb=$RSS cards=$(count_cards "$FOLDER")"

  # vdirsyncer: carddav → filesystem, into another empty folder.
  cat > "$VDS/config" <<CONF
[general]
status_path = "$VDS/status/"

[pair bench]
a = "remote"
b = "local"
collections = null
conflict_resolution = "a wins"

[storage remote]
type = "carddav"
url = "$BOOK"
username = "$INFRA_DAV_USER"
password = "$INFRA_DAV_PASS"

[storage local]
type = "filesystem"
path = "$VDS/local/"
fileext = ".vcf"
CONF
  export VDIRSYNCER_CONFIG=$VDS/config
  yes | vdirsyncer discover bench > /dev/null 2>&1
  measure vdirsyncer sync bench
  V_FIRST=$WALL V_FIRST_RSS=$RSS
  echo "bench-addressbook phase=vdirsyncer-first n=$N wall_s=$WALL rss_mb=$RSS cards=$(count_cards "$VDS/local")"
  measure vdirsyncer sync bench
  V_QUIET=$WALL V_QUIET_RSS=$RSS
  echo "bench-addressbook phase=vdirsyncer-no-change n=$N wall_s=$WALL rss_mb=$RSS"

  R_FIRST=$(ratio "$C_FIRST" "$SERVER")
  R_QUIET=$(ratio "$V_QUIET" "$C_QUIET")
  C_PEAK=$(python3 -c "print(max($C_FIRST_RSS, $C_QUIET_RSS))")
  V_PEAK=$(python3 -c "print(max($V_FIRST_RSS, $V_QUIET_RSS))")
  R_RSS=$(ratio "$C_PEAK" "$V_PEAK")
  echo "bench-addressbook ratio=first-vs-server n=$N value=$R_FIRST target=<=1.3 $(verdict "$R_FIRST" '<=' 1.3)"
  echo "bench-addressbook ratio=no-change-vdirsyncer-vs-concord n=$N value=$R_QUIET target=>=10 $(verdict "$R_QUIET" '>=' 10)"
  echo "bench-addressbook ratio=peak-rss-concord-vs-vdirsyncer n=$N value=$R_RSS concord_mb=$C_PEAK vdirsyncer_mb=$V_PEAK target=<=1 $(verdict "$R_RSS" '<=' 1)"
  echo "bench-addressbook ratio=first-concord-vs-vdirsyncer n=$N value=$(ratio "$C_FIRST" "$V_FIRST")"
  echo "bench-addressbook ratio=no-change-concord-vs-server n=$N value=$(ratio "$C_QUIET" "$SERVER_QUIET")"

  # The next N gets a server without this book.
  curl -sS -u "$AUTH" -X DELETE "$BOOK" > /dev/null || true
done
