#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-fuzz.sh TARGET SEEDS WORKDIR — runs one libFuzzer target for
# CONCORD_FUZZ_SECONDS (60 by default) from its committed seeds, keeping
# what it learns in WORKDIR (in the build directory, never the seeds).
# Exits non-zero when the target crashed, leaked, timed out or ran out of
# memory; the input is then in WORKDIR/crash-… (libFuzzer prints it).
set -eu
target=$1 seeds=$2 work=$3
mkdir -p "$work/corpus"
exec "$target" -max_total_time="${CONCORD_FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
