#!/usr/bin/env bash
# Shows that every acknowledged append of the event log ends in a real
# fdatasync: runs 200 sequential appends (each awaited before the next, so
# each is its own group commit) under strace and counts the sync calls.
# Expect exactly 200 fdatasync (one per group commit: the segment file; a
# group that seals values syncs its content segment too, the probe seals
# none) and a handful of fsync (the directories, when the log and its first
# segment are created). No sync_file_range: nothing relies on it.
# Needs strace (apt-get install -y strace).
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(cargo test -p mentorship-engine --test store_durability --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*store_durability[^"]*"' | tail -1 | cut -d'"' -f4)
strace -f -c -e trace=fsync,fdatasync,sync_file_range \
  "$exe" durability_probe_appends_one_by_one --exact --ignored --test-threads=1 2>&1 \
  | tail -n 8
