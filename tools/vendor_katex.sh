#!/usr/bin/env bash
# Vendor KaTeX from npm into the package, so that a site builds and renders with Python alone and
# works offline.  Usage: tools/vendor_katex.sh [VERSION]   (default: the pinned version below)
#
# Kept: katex.min.js (run at build time by py_mini_racer; it writes MathML, which the browser
# lays out with the system's math font, so the pages get no script, stylesheet or font from
# KaTeX) and the licence.
set -euo pipefail
source "$(dirname "$0")/vendor_npm.sh"
vendor_fetch katex "${1:-0.16.47}" katex
cp "$WORK/package/dist/katex.min.js" "$WORK/package/LICENSE" "$DEST/"
vendor_done KaTeX
