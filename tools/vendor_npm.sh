# Sourced by the tools/vendor_*.sh scripts: what every vendoring of an npm package does.
#   vendor_fetch PACKAGE VERSION FOLDER  unpacks PACKAGE@VERSION from npm into "$WORK/package"
#                                        and empties "$DEST" (src/zerosorry/appendix/static/vendor/FOLDER)
#   vendor_done LABEL                    records the version in "$DEST/VERSION" and says so
set -euo pipefail

vendor_fetch() {
  VERSION="$2"
  DEST="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/zerosorry/appendix/static/vendor/$3"
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  (cd "$WORK" && npm pack --silent "$1@$VERSION" >/dev/null && tar xzf ./*.tgz)
  rm -rf "$DEST"
  mkdir -p "$DEST"
}

vendor_done() {
  echo "$VERSION" > "$DEST/VERSION"
  echo "vendored $1 $VERSION into $DEST ($(du -sh "$DEST" | cut -f1))"
}
