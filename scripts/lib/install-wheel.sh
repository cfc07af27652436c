#!/usr/bin/env bash
# scripts/lib/install-wheel.sh VENV PYTHON_VENV WHEELHOUSE
# Makes VENV afresh with the interpreter PYTHON_VENV was made with, and
# installs into it, offline (pip --no-index), the wheel scripts/package.sh
# put in dist/ and what scripts/setup.sh filled WHEELHOUSE with (the
# requirements it wrote down there): the package is tested as a user
# installs it, not from the source tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$1 base=$2 wheelhouse=$3
read -r -a requirements <"$wheelhouse/.setup-requirements"
python=$("$base/bin/python" -c 'import sys; print(sys._base_executable)')
wheel=$(ls dist/chaosprometheus_wasm-*-manylinux*.whl)
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index \
  --find-links "$wheelhouse" "$wheel" "${requirements[@]}"
echo "install-wheel: $(basename "$wheel") and ${requirements[*]} into $venv, offline"
