#!/usr/bin/env bash
# scripts/lib/install-wheel.sh VENV PYTHON_VENV WHEELHOUSE REQUIREMENT...
# Makes VENV afresh with the interpreter PYTHON_VENV was made with, and
# installs into it, offline (pip --no-index), the wheel scripts/package.sh
# put in dist/ and REQUIREMENT... from WHEELHOUSE (scripts/setup.sh fills
# it): the package is tested as a user installs it, not from the source tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$1 base=$2 wheelhouse=$3
shift 3
python=$("$base/bin/python" -c 'import sys; print(sys._base_executable)')
wheel=$(ls dist/chaosprometheus_wasm-*-manylinux*.whl)
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index \
  --find-links "$wheelhouse" "$wheel" "$@"
echo "install-wheel: $(basename "$wheel") and $* into $venv, offline"
