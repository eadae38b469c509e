#!/usr/bin/env bash
# The multi-node tests (tests/cluster/) put a real HAProxy in front of three nodes, using
# docs/haproxy.cfg. Installs Debian's haproxy when it is missing and this user can;
# otherwise says how, and fails (the test is never skipped).
set -euo pipefail
if command -v haproxy > /dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's haproxy for the multi-node tests…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy > /dev/null
  exit 0
fi
echo "The multi-node tests need haproxy on PATH: run 'sudo apt-get install haproxy'." >&2
exit 1
