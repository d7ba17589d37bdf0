"""Where the Jinja2 templates are, and the one environment that renders them: the dashboard's pages
and stylesheet (templates/dashboard/) and the digest (templates/digest.*.j2).

The source is templates/ at the top of the repository. A wheel carries the same files as package
data in watcher/templates/ (pyproject maps the package `watcher.templates` onto templates/), so an
installed copy needs no checkout; a checkout or an editable install has no watcher/templates/ and
reads templates/ itself. Exactly one of the two is used, never a mix.

Autoescaping goes by the template's name: HTML templates (`.html.j2`, `.html`) escape every value,
the plain-text digest (`.txt.j2`, `.txt`) escapes none (it would show `&amp;`), and any other name
escapes too, to be safe. Block tags take their line with them (trim_blocks, lstrip_blocks): the
plain-text digest is laid out on that; in the HTML pages it only drops whitespace between tags.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from watcher.text import safe_url

PACKAGED = Path(__file__).resolve().parent / "templates"  # in an installed wheel
CHECKOUT = Path(__file__).resolve().parents[1] / "templates"  # the source, in a checkout
HTML = (".html.j2", ".html")
TEXT = (".txt.j2", ".txt")


def template_dir() -> Path:
    """The installed copy if there is one, else the checkout's templates/."""
    if PACKAGED.is_dir():
        return PACKAGED
    if CHECKOUT.is_dir() and (CHECKOUT.parent / "pyproject.toml").is_file():  # not some site-packages/templates
        return CHECKOUT
    raise FileNotFoundError(f"the templates are in neither {PACKAGED} (an installed wheel) nor {CHECKOUT} "
                            "(a checkout): reinstall provider-watcher")


def autoescape(name: str | None) -> bool:
    """Escape HTML templates and anything unknown; never the plain-text ones."""
    name = (name or "").lower()
    if name.endswith(HTML):
        return True
    return not name.endswith(TEXT)


@cache
def environment() -> Environment:
    """The one environment for every template (Jinja2 environments are safe to share between threads)."""
    env = Environment(loader=FileSystemLoader(str(template_dir())), autoescape=autoescape,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_url"] = safe_url
    return env
