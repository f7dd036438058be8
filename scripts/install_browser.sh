#!/usr/bin/env bash
# Install headless Chromium and its driver for the HTML checks of `make test`
# (tests/browser_check.py), with apt where this machine allows it. Without them those checks
# fail and say so: they are never skipped.
set -u
have() { command -v "$1" >/dev/null 2>&1; }
if { have chromium || have chromium-browser; } && { have chromedriver || [ -x /usr/lib/chromium/chromedriver ]; }; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && have sudo && sudo -n true 2>/dev/null && SUDO="sudo -n"
if have apt-get && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing chromium and chromium-driver for the HTML checks ..."
  if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
     || { $SUDO apt-get update -qq >/dev/null 2>&1 && \
          $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; }; then
    exit 0
  fi
fi
echo "WARNING: Chromium could not be installed here: the HTML checks of make test will fail." >&2
echo "         Install it (Debian/Ubuntu: apt-get install chromium chromium-driver) and run make test again." >&2
exit 0
