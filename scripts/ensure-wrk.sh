#!/usr/bin/env bash
# The benchmarks drive the server with wrk (Debian's package): installs it when missing.
set -euo pipefail
if command -v wrk > /dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null
  exit 0
fi
echo "The benchmarks need wrk: run 'sudo apt-get install wrk'." >&2
exit 1
