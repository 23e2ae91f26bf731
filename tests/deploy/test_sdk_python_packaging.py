"""The Python SDK (clients/python) as a package: `python -m build` makes an sdist and a wheel
holding the typed package and nothing else, and the wheel installs into a clean virtualenv (httpx
its one dependency; FastAPI and Flask only as extras) where it imports, typed, without them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "python"
MODULES = {
    "__init__",
    "_core",
    "_integration",
    "_version",
    "client",
    "errors",
    "fastapi",
    "flask",
    "gateway",
    "models",
}

CHECK_INSTALLED = """
import importlib.resources, sys
import dreamapi_client
from dreamapi_client import DreamApi, QuotaExceeded, DreamApiError

assert issubclass(QuotaExceeded, DreamApiError)
assert importlib.resources.files("dreamapi_client").joinpath("py.typed").is_file()
assert DreamApi("dream_live_x", base_url="http://127.0.0.1:9").base_url == "http://127.0.0.1:9"
assert not {"fastapi", "flask", "starlette"} & set(sys.modules), "the integrations stay optional"
try:
    import dreamapi_client.fastapi
except ImportError as error:
    assert "dreamapi-client[fastapi]" in str(error), error
else:
    raise AssertionError("FastAPI is not installed here")
print(dreamapi_client.__version__, dreamapi_client.__file__)
"""


def run(*args: str | Path, timeout: int = 120) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_package_builds_and_installs_into_a_clean_virtualenv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # Offline when the backend is at hand; else `build` fetches hatchling from PyPI for itself.
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    run(sys.executable, "-m", "build", *isolation, "--sdist", "--wheel", "--outdir", dist, PACKAGE)
    [wheel] = dist.glob("dreamapi_client-*-py3-none-any.whl")
    [sdist] = dist.glob("dreamapi_client-*.tar.gz")

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    package = {name.removeprefix("dreamapi_client/") for name in names if name.startswith("dreamapi_client/")}
    assert package == {f"{module}.py" for module in MODULES} | {"py.typed"}
    assert all(name.startswith(("dreamapi_client/", "dreamapi_client-")) for name in names), names
    assert "Name: dreamapi-client" in metadata and "Requires-Python: >=3.10" in metadata
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    [runtime] = [r for r in requirements if "extra ==" not in r]
    assert runtime.replace(" ", "").startswith("Requires-Dist:httpx"), requirements
    assert any("fastapi" in r and "extra == 'fastapi'" in r for r in requirements), requirements
    assert any("flask" in r and "extra == 'flask'" in r for r in requirements), requirements
    with tarfile.open(sdist) as archive:
        packed = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "pyproject.toml",
        "README.md",
        "src/dreamapi_client/py.typed",
        "src/dreamapi_client/client.py",
    } <= packed

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, timeout=180)
    version, location = run(python, "-c", CHECK_INSTALLED).split()
    assert version == wheel.name.split("-")[1]
    assert Path(location).is_relative_to(venv), location
