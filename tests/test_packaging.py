"""The wheel ships everything an install needs without the checkout: every template (dashboard pages,
its stylesheet, the digest) as watcher/templates/, and every module of the packages pyproject lists by
hand. Built from a copy of the sources, so the checkout gets no build/ (whose stale files a later
build would ship)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "watcher", "connectors", "templates"]
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from watcher import templating
env = templating.environment()
names = env.list_templates()
for name in names:
    if name.endswith(".j2"):
        env.get_template(name)
print(json.dumps({"module": templating.__file__, "dir": str(templating.template_dir()), "names": names,
                  "css": env.loader.get_source(env, "dashboard/dashboard.css")[0]}))
"""


def files(top: Path) -> set[str]:
    return {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "-w", str(out), "--no-deps", "-q"],
                   check=True, timeout=300, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    [wheel] = out.glob("provider_watcher-*.whl")
    return wheel


def test_the_wheel_carries_every_template_and_module_and_finds_them_installed(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "installed")

    templates = files(ROOT / "templates")
    assert {"dashboard/dashboard.css", "dashboard/home.html.j2", "digest.html.j2", "digest.txt.j2"} <= templates
    assert {f"watcher/templates/{name}" for name in templates} - names == set()
    modules = {f"{top}/{name}" for top in ("watcher", "connectors") for name in files(ROOT / top)
               if name.endswith(".py")}
    assert modules - names == set(), "a package is missing from [tool.setuptools] packages in pyproject.toml"
    # nothing beside the two packages: no top-level templates/, no data files under the prefix
    dist_info = wheel.name.split("-py")[0] + ".dist-info"
    assert {name.split("/")[0] for name in names} == {"watcher", "connectors", dist_info}

    # unpacked as pip would, the code reads the packaged copy, not the checkout's templates/
    probe = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "installed")], capture_output=True, text=True,
                           check=True, timeout=60, cwd=tmp_path)
    found = json.loads(probe.stdout)
    assert Path(found["module"]).is_relative_to(tmp_path / "installed")
    assert found["dir"] == str((tmp_path / "installed" / "watcher" / "templates").resolve())
    assert set(found["names"]) == templates
    assert found["css"] == (ROOT / "templates" / "dashboard" / "dashboard.css").read_text(encoding="utf-8")


def test_html_templates_escape_and_the_plain_text_digest_does_not() -> None:
    from watcher.templating import autoescape, environment

    assert [autoescape(n) for n in ("digest.html.j2", "dashboard/home.html.j2", "digest.txt.j2", "x.css", None)] \
        == [True, True, False, True, True]
    env = environment()
    assert env.from_string("{{ v }}").render(v="<b>&") == "&lt;b&gt;&amp;"  # unnamed: escaped, to be safe
    assert environment() is env  # one environment, for the dashboard and the digest
