#!/usr/bin/env bash
# Install a CJK font for Chinese figure labels where this machine allows it.
# Without one, ganlib.plot.setup("zh") warns once and draws English labels (never boxes).
set -u
if fc-list 2>/dev/null | grep -qiE 'Noto Sans CJK|Noto Serif CJK|Source Han|WenQuanYi|Noto Sans SC'; then
  exit 0
fi
if [ -n "${GANLIB_CJK_FONT:-}" ] && [ -f "$GANLIB_CJK_FONT" ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && SUDO="sudo -n"
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing fonts-noto-cjk for Chinese figure labels ..."
  if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 \
     || { $SUDO apt-get update -qq >/dev/null 2>&1 && \
          $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1; }; then
    exit 0
  fi
fi
if command -v brew >/dev/null 2>&1; then
  brew install --cask font-noto-sans-cjk-sc >/dev/null 2>&1 && exit 0
fi
echo "NOTE: no CJK font could be installed here; Chinese chapters will draw English figure labels." >&2
echo "      Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) or set GANLIB_CJK_FONT=/path/to/font." >&2
exit 0
