#!/usr/bin/env bash
# scripts/lib/install-npm.sh PROJECT
# Makes PROJECT an empty npm project (an ES module one, as new projects
# are) and installs into it, offline, the tarballs scripts/package.sh node
# put in dist/: the package and its platform package, as npm installs them
# for a user; the Node tests then load the package from there.
set -euo pipefail
cd "$(dirname "$0")/../.."
project=$1
shopt -s nullglob
tarballs=(dist/chaosprometheus-[0-9]*.tgz dist/chaosprometheus-linux-x64-gnu-*.tgz)
if [ "${#tarballs[@]}" -ne 2 ]; then
  echo "install-npm: dist/ holds no npm tarballs (or stale ones): run scripts/package.sh node" >&2
  exit 1
fi
rm -rf "$project"
mkdir -p "$project"
printf '{ "name": "installed-project", "private": true, "type": "module" }\n' >"$project/package.json"
absolute=()
for tarball in "${tarballs[@]}"; do absolute+=("$PWD/$tarball"); done
(cd "$project" && npm install --offline --no-audit --no-fund --loglevel=error "${absolute[@]}")
echo "install-npm: $(basename -a "${tarballs[@]}" | tr '\n' ' ')into $project, offline"
