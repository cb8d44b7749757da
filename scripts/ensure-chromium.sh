#!/usr/bin/env bash
# Makes Debian's chromium available for the report browser test (test/host/report-browser.test.ts), which drives it
# with puppeteer-core: no browser is downloaded by any npm package, the distribution's package is installed with
# apt-get when /usr/bin/chromium is missing. Idempotent; prints the browser's path and version on success.
#
# Exit codes: 0 chromium is there (already, or installed now); 3 it cannot be installed here (no apt-get, not
# root): the browser test then skips with a message saying so; 1 apt-get failed.
set -uo pipefail

CHROMIUM="${CASCADE_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: $CHROMIUM is missing and there is no apt-get to install it: the report browser test will skip" >&2
  exit 3
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "chromium: $CHROMIUM is missing and installing it needs root (or passwordless sudo): the report browser test will skip" >&2
    exit 3
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# quiet unless it fails: apt's progress lines are noise in a CI log
log="$(mktemp)"
if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  echo "chromium: apt-get could not install chromium" >&2
  exit 1
fi
rm -f "$log"

if [ ! -x "$CHROMIUM" ]; then
  echo "chromium: installed, but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "chromium: installed $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
