"""`watcher init`: from the sample codebase to an inventory and a config that `watcher check` accepts
once the to-do list it prints is done; a re-run on a grown codebase appends exactly what is new and
keeps every hand edit; the shipped example config and inventory are what a team would start from."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connectors import WEBHOOKS
from watcher.cli.main import main
from watcher.inventory import catalog as catalog_module
from watcher.inventory import init_plan
from watcher.inventory.scan import scan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "sample_repo"
EXPORT = re.compile(r"export ([A-Z][A-Z0-9_]+)")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample codebase (the re-run test grows it), and an environment with none of the
    variables a config could name."""
    for name in ("OPENAI_WEBHOOK_SECRET", "ANTHROPIC_STATUSPAGE_TOKEN", "AZURE_SERVICE_HEALTH_TOKEN",
                 "AWS_HEALTH_WEBHOOK_KEY", "NOTICES_IMAP_USER", "NOTICES_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    copy = tmp_path / "shop"
    shutil.copytree(SAMPLE, copy)
    return copy


def init(repo: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["init", "--scan", str(repo), "--dir", str(out)]) == 0
    return capsys.readouterr().out


def toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def keys(uses: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(u["service"], u["platform"], u.get("deployment") or u["model"]) for u in uses}


def test_init_writes_what_the_scan_found_and_every_surface_of_its_platforms(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "watcher"
    printed = init(repo, out, capsys)
    findings = scan([repo], catalog_module.shipped())
    uses = toml(out / "inventory.toml")["uses"]
    assert keys(uses) == {(f.service, f.platform, f.deployment or f.model) for f in findings}
    assert {u["service"] for u in uses} == {"chat-api", "web-frontend", "shop"}  # from the manifests, else the folder
    assert {u["owner"] for u in uses} == {"TODO"}
    assert (out / "inventory.toml").read_text().count("# TODO: the team that runs") == len(uses)

    config = toml(out / "config.toml")
    assert config["inventory"] == {"path": "inventory.toml"}
    platforms = {u["platform"] for u in uses}
    wanted = {row["source"] for p in platforms for row in init_plan.GUIDE_ROWS.get(p, []) if "source" in row}
    assert {s["name"] for s in config["sources"]} == wanted
    google = next(s for s in config["sources"] if s["name"] == "google-cloud-status")
    assert sorted(google["include"]) == ["Gemini", "Vertex"]  # one page for both Google platforms
    hooks = {h["name"]: h for h in config["webhooks"]}
    assert {h["kind"] for h in hooks.values()} == {"standard-webhooks", "statuspage-webhook", "aws-health",
                                                   "azure-service-health"}
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]+", h["secret_env"]) for h in hooks.values())
    # the URL to paste into each console: a token kind carries its token in the path
    for name, hook in hooks.items():
        tail = f"/${hook['secret_env']}" if WEBHOOKS[hook["kind"]].token_in_path else ""
        assert f"{init_plan.PLACEHOLDER_URL}/webhooks/{name}{tail}" in printed
    text = (out / "config.toml").read_text()
    assert "# [[mailboxes]]" in text and "# [[spend]]" in text and "mailboxes" not in config
    assert "public_url" not in config["server"]

    # `watcher check` ran: it names each missing secret and each empty model, and the to-do list
    # covers every one of them
    todo = printed.split("What is left to do, in order:")[1]
    problems = [line for line in printed.split("What is left to do")[0].splitlines() if line.startswith("  ! ")]
    missing = {h["secret_env"] for h in hooks.values()}
    assert {m for p in problems for m in re.findall(r"environment variable (\w+)", p)} == missing
    assert {m for m in EXPORT.findall(todo) if m in missing} == missing
    blank = [u["deployment"] for u in uses if not u["model"]]
    assert blank and all(name in todo for name in blank)
    assert sum("empty model" in p for p in problems) == len(blank)
    assert len(problems) == len(missing) + len(blank)


def test_check_accepts_it_once_the_to_do_list_is_done(repo: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "watcher"
    printed = init(repo, out, capsys)
    config_path = str(out / "config.toml")
    assert main(["check", "--config", config_path]) == 2
    capsys.readouterr()
    for name in set(EXPORT.findall(printed.split("What is left to do")[1])) - set(init_plan.MAILBOX_ENVS):
        monkeypatch.setenv(name, "set-by-the-test")
    inventory = out / "inventory.toml"
    inventory.write_text(inventory.read_text().replace('model = ""', 'model = "gpt-4o"'))
    assert main(["check", "--config", config_path]) == 0
    assert "4 webhook(s)" in capsys.readouterr().out
    # no secret value ever reaches the files
    assert "set-by-the-test" not in (out / "config.toml").read_text()


def test_a_second_run_adds_exactly_the_new_use_and_keeps_hand_edits(repo: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "watcher"
    init(repo, out, capsys)
    inventory, config = out / "inventory.toml", out / "config.toml"
    before = keys(toml(inventory)["uses"])
    # hand edits: an owner decided, a source polled less often, a comment
    edited = inventory.read_text().replace(
        'owner = "TODO"  # TODO: the team that runs chat-api (add channel = "#..." for its alerts)',
        'owner = "team-chat"\nchannel = "#chat-oncall"', 1)
    inventory.write_text(edited)
    config_text = config.read_text().replace('url = "https://status.openai.com"\ninterval = "2m"',
                                             'url = "https://status.openai.com"\ninterval = "10m"  # mine', 1)
    assert config_text != config.read_text()
    config.write_text(config_text)
    (repo / "services" / "chat" / "chat" / "rerank.py").write_text(
        'import cohere\n\nMODEL = "command-r-plus-08-2024"\n', encoding="utf-8")

    printed = init(repo, out, capsys)

    # appended, never rewritten: the files as edited are the start of the new ones
    assert inventory.read_text().startswith(edited.rstrip("\n"))
    assert config.read_text().startswith(config_text.rstrip("\n"))
    uses = toml(inventory)["uses"]
    assert keys(uses) - before == {("chat-api", "cohere", "command-r-plus-08-2024")}
    assert len(uses) == len(before) + 1
    chat = next(u for u in uses if u["service"] == "chat-api" and u["platform"] == "mistral")
    assert (chat["owner"], chat["channel"]) == ("team-chat", "#chat-oncall")
    sources = toml(config)["sources"]
    names = [s["name"] for s in sources]
    assert len(names) == len(set(names))
    assert next(s for s in sources if s["name"] == "openai-status")["interval"] == "10m"
    cohere = {row["source"] for row in init_plan.GUIDE_ROWS["cohere"] if "source" in row}
    assert cohere <= set(names)
    assert config.read_text().count("[[mailboxes]]") == 1 and config.read_text().count('name = "openai-spend"') == 1
    assert "1 use(s) added (chat-api command-r-plus-08-2024 (cohere))" in printed
    assert f"{len(before)} already listed, kept as they are" in printed
    assert f"{len(cohere)} source(s) and 0 webhook(s) added" in printed
    # one owner decided: the to-do counts the others
    assert f'replace owner "TODO" in {len(uses) - 1} use(s)' in printed

    # a third run on the same code changes nothing
    kept = inventory.read_text(), config.read_text()
    printed = init(repo, out, capsys)
    assert (inventory.read_text(), config.read_text()) == kept
    assert "0 use(s) added" in printed and "0 source(s) and 0 webhook(s) added" in printed


def test_owners_come_from_codeowners(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("* @acme/platform\n/services/chat/ @acme/chat  # the chat team\n"
                                                 "*.ts @acme/web\nservices/web/ @acme/frontend\n")
    out = tmp_path / "watcher"
    init(repo, out, capsys)
    owners = {(u["service"], u["owner"]) for u in toml(out / "inventory.toml")["uses"]}
    assert {o for s, o in owners if s == "chat-api"} == {"@acme/chat"}
    assert {o for s, o in owners if s == "web-frontend"} == {"@acme/frontend"}  # the last matching rule wins
    assert {o for s, o in owners if s == "shop"} == {"@acme/platform", "@acme/web"}
    assert "TODO" not in (out / "inventory.toml").read_text()


def test_a_broken_config_is_left_alone(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "watcher"
    out.mkdir()
    (out / "config.toml").write_text("[server\nport = 1\n")
    assert main(["init", "--scan", str(repo), "--dir", str(out)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert (out / "config.toml").read_text() == "[server\nport = 1\n"
    assert not (out / "inventory.toml").exists()


def test_the_example_config_covers_every_surface_of_the_example_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    """config.example.toml is what a real team starts from: its inventory is the shipped example, and
    every surface of every platform that inventory uses is there (the ones that need a secret commented)."""
    config_text = (ROOT / "config.example.toml").read_text()
    config = tomllib.loads(config_text)
    assert config["inventory"] == {"path": "inventory.example.toml"}
    uses = toml(ROOT / "inventory.example.toml")["uses"]
    catalog = catalog_module.shipped()
    plan = init_plan.plan(uses, uses, config, config_text, hosts=catalog.hosts)
    assert plan.new_uses == [] and plan.known_uses == len(uses)
    assert len(plan.platforms) >= 4
    assert plan.new_sources == [] and plan.include_gaps == []
    for hook in plan.new_webhooks:  # present, commented out until its secret is set
        assert f'# kind = "{hook.kind}"' in config_text
    assert "# [[mailboxes]]" in config_text and plan.spend == []
    assert main(["check", "--config", str(ROOT / "config.example.toml")]) == 0
    assert f"inventory {ROOT / 'inventory.example.toml'}: {len(uses)} use(s)" in capsys.readouterr().out
