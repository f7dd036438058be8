#!/usr/bin/env bash
# Install the TeX Live that `make pdf` needs (XeLaTeX, xeCJK, Sphinx's LaTeX packages, fonts)
# where this machine allows it: Debian/Ubuntu with apt, as root or with passwordless sudo.
# Exits 0 when everything is there (already, or after installing); otherwise says what to
# install by hand and exits 1.
set -u
PACKAGES=(texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
          texlive-lang-chinese texlive-lang-cjk texlive-plain-generic latexmk tex-gyre
          fonts-freefont-otf fonts-noto-cjk)
# LaTeX files that the two PDFs load (Sphinx ships its own sphinx*.sty with the .tex) and the
# fonts they use: when all are found, nothing needs installing
STYLES=(xeCJK.sty polyglossia.sty fontspec.sty fncychap.sty newunicodechar.sty tgtermes.sty
        capt-of.sty needspace.sty tabulary.sty varwidth.sty wrapfig.sty framed.sty amsmath.sty)
FONTS=("FreeSerif" "Noto Serif CJK SC" "Noto Sans CJK SC" "Noto Sans Mono CJK SC")

have_everything() {
  local s f
  for s in xelatex latexmk kpsewhich fc-list; do
    command -v "$s" >/dev/null 2>&1 || return 1
  done
  for s in "${STYLES[@]}"; do
    [ -n "$(kpsewhich "$s" 2>/dev/null)" ] || return 1
  done
  for f in "${FONTS[@]}"; do
    fc-list 2>/dev/null | grep -q "$f" || return 1
  done
}

if have_everything; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && SUDO="sudo -n"
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing TeX Live for the PDFs (XeLaTeX, xeCJK, Sphinx's LaTeX packages; a few minutes) ..."
  LOG="${TMPDIR:-/tmp}/install_tex.log"
  install() {
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${PACKAGES[@]}" >>"$LOG" 2>&1
  }
  : >"$LOG"
  if install || { $SUDO apt-get update -qq >>"$LOG" 2>&1 && install; }; then
    have_everything && exit 0
    echo "ERROR: apt installed TeX Live, but some LaTeX files or fonts are still missing." >&2
  else
    echo "ERROR: apt-get could not install TeX Live (its log: $LOG)." >&2
  fi
fi
{
  echo "ERROR: 'make pdf' needs TeX Live with XeLaTeX and xeCJK, and could not install it here"
  echo "       (scripts/install_tex.sh installs it with apt as root or with passwordless sudo)."
  echo "       Debian/Ubuntu: sudo apt-get install --no-install-recommends ${PACKAGES[*]}"
  echo "       Elsewhere: a TeX Live with XeLaTeX and latexmk that has ${STYLES[*]},"
  echo "       and the fonts FreeSerif/FreeSans/FreeMono (GNU FreeFont) and Noto Serif/Sans/Sans Mono CJK SC."
} >&2
exit 1
