#!/usr/bin/env bash
# Vendor KaTeX from npm into the package, so that a site builds and renders with Python alone and
# works offline.  Usage: tools/vendor_katex.sh [VERSION]   (default: the pinned version below)
#
# Kept: katex.min.js (run at build time by py_mini_racer; pages get no script from KaTeX),
# katex.min.css with its @font-face rules cut down to the woff2 files, those fonts, the licence.
set -euo pipefail
source "$(dirname "$0")/vendor_npm.sh"
vendor_fetch katex "${1:-0.16.47}" katex
mkdir -p "$DEST/fonts"
cp "$WORK/package/dist/katex.min.js" "$WORK/package/LICENSE" "$DEST/"
cp "$WORK"/package/dist/fonts/*.woff2 "$DEST/fonts/"
# every src list becomes its woff2 entry alone: no request for a file that is not shipped
python3 - "$WORK/package/dist/katex.min.css" "$DEST/katex.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
def only_woff2(m):
    urls = re.findall(r'url\((fonts/[^)]+\.woff2)\) format\("woff2"\)', m.group(0))
    return f'src:url({urls[0]}) format("woff2")' if urls else m.group(0)
css = re.sub(r"src:[^;}]*", only_woff2, css)
assert ".woff)" not in css and ".ttf)" not in css
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
vendor_done KaTeX
