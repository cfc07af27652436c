"""What these tests run is the wheel as a user installs it: from dist/, into
a virtualenv of its own, with no Rust toolchain to fall back on."""
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import chaosprometheus
from conftest import ROOT


def test_the_package_under_test_is_the_installed_wheel():
    installed = Path(chaosprometheus.__file__).resolve()
    assert installed.is_relative_to(Path(sys.prefix).resolve()), (
        f"chaosprometheus was imported from {installed}, not from the virtualenv "
        f"{sys.prefix}: run the tests with scripts/test.sh"
    )
    assert not installed.is_relative_to(ROOT / "bindings")


def test_no_rust_toolchain_is_on_path():
    for tool in ("cargo", "rustc", "rustup"):
        assert shutil.which(tool) is None, f"{tool} is on PATH: {shutil.which(tool)}"


def test_the_version_is_the_workspaces():
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())
    version = workspace["workspace"]["package"]["version"]
    assert importlib.metadata.version("chaosprometheus-wasm") == version


def test_the_wheel_meets_manylinux2014():
    """maturin checked the library against manylinux2014's rules before it
    named the wheel so; the tag is what an index and pip go by."""
    (wheel,) = (ROOT / "dist").glob("chaosprometheus_wasm-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith("/WHEEL")))
    tags = [line.split(": ", 1)[1] for line in metadata.decode().splitlines()
            if line.startswith("Tag: ")]
    assert sorted(tags) == ["cp311-abi3-manylinux2014_x86_64", "cp311-abi3-manylinux_2_17_x86_64"]


def test_the_cli_binary_matches_its_sha256_file():
    (binary,) = (ROOT / "dist").glob("chaosprom-*-x86_64-linux-gnu")
    recorded = (binary.parent / (binary.name + ".sha256")).read_text().split()
    assert recorded == [hashlib.sha256(binary.read_bytes()).hexdigest(), binary.name]


def test_a_fresh_interpreter_loads_the_precompiled_component_from_the_wheel():
    """The wheel ships the component compiled ahead of time beside _native;
    the first load in a new process maps it instead of compiling."""
    package = Path(chaosprometheus.__file__).parent
    (shipped,) = package.glob("chaosprometheus-*.cwasm")
    assert shipped.stat().st_mode & 0o022 == 0
    code = "from chaosprometheus import _native; print(_native.load_component())"
    origin = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert origin == "precompiled"


def test_the_sdist_carries_no_precompiled_component():
    """A build from source compiles (or caches) the component itself."""
    (sdist,) = (ROOT / "dist").glob("chaosprometheus_wasm-*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert not [name for name in archive.getnames() if name.endswith(".cwasm")]
