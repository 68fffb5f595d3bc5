#!/usr/bin/env bash
# Vendor dagre (the @dagrejs/dagre graph layout engine) from npm into the package.  The site build
# and `zerosorry graph --format svg` run it through V8 (mini-racer) at build time: pages get static
# SVG and no layout script.  Usage: tools/vendor_dagre.sh [VERSION]   (default: the pinned version)
set -euo pipefail
VERSION="${1:-3.1.3}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/src/zerosorry/appendix/static/vendor/dagre"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "@dagrejs/dagre@${VERSION}" >/dev/null && tar xzf "dagrejs-dagre-${VERSION}.tgz")
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$WORK/package/dist/dagre.min.js" "$WORK/package/LICENSE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "vendored dagre $VERSION into $DEST ($(du -sh "$DEST" | cut -f1))"
