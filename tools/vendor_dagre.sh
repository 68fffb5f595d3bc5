#!/usr/bin/env bash
# Vendor dagre (the @dagrejs/dagre graph layout engine) from npm into the package.  The site build
# and `zerosorry graph --format svg` run it through V8 (mini-racer) at build time: pages get static
# SVG and no layout script.  Usage: tools/vendor_dagre.sh [VERSION]   (default: the pinned version)
set -euo pipefail
source "$(dirname "$0")/vendor_npm.sh"
vendor_fetch @dagrejs/dagre "${1:-3.1.3}" dagre
cp "$WORK/package/dist/dagre.min.js" "$WORK/package/LICENSE" "$DEST/"
vendor_done dagre
