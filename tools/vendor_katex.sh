#!/usr/bin/env bash
# Vendor KaTeX from npm into the package, so that a site builds and renders with Python alone and
# works offline.  Usage: tools/vendor_katex.sh [VERSION]   (default: the pinned version below)
#
# Kept: katex.min.js (run at build time by py_mini_racer; it writes MathML, which the browser
# lays out with the system's math font, so the pages get no script, stylesheet or font from
# KaTeX) and the licence.
set -euo pipefail
VERSION="${1:-0.16.47}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/src/zerosorry/appendix/static/vendor/katex"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "katex@${VERSION}" >/dev/null && tar xzf "katex-${VERSION}.tgz")
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$WORK/package/dist/katex.min.js" "$WORK/package/LICENSE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "vendored KaTeX $VERSION into $DEST ($(du -sh "$DEST" | cut -f1))"
