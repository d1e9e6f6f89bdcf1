"""The pre-commit hook, end to end: a real ``pre-commit try-repo`` of this checkout.

pre-commit builds the hook's own environment from a copy of the project (that
needs PyPI), then runs ``detector scan`` on a throwaway repository of articles.
The tiny test model is passed through ``DETECTOR_MODEL``, which the hook's
``detector scan`` reads like ``--model``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector.cli import main

ROOT = Path(__file__).resolve().parents[1]

INJECTED = "会议强调要深化产融合作。\n强化服务杨方线上配资股票,推动循环。\n"
CLEAN = "农业农村部部署秋粮收获工作。\n气象台发布暴雨蓝色预警。\n"
ALLOWED = "各地加快推进重大项目建设。\n专家表示消费代开各类正规发票市场持续回暖。\n"


def test_hook_files_pattern_leaves_json_out() -> None:
    """Fast check of the hook's default ``files``: articles yes, JSON no (see README)."""
    import re

    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    pattern = re.compile(hook["files"])
    taken = ["a.txt", "a.text", "b.md", "b.markdown", "c.html", "c.htm", "D.TXT", "e.Html"]
    left = ["package.json", "items.jsonl", "items.ndjson", "setup.py", "a.txt.bak", "F.JSON"]
    assert [n for n in taken + left if pattern.search(n)] == taken


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def project_copy(target: Path) -> Path:
    """This checkout's files (committed or not, minus ignored ones) as a fresh repo,
    so try-repo sees a clean HEAD and installs the hook environment only once."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return target


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return project_copy(tmp_path_factory.mktemp("detector-repo"))


def try_repo(
    hook_repo: Path, articles: Path, model: Path, cache: Path, name: str
) -> subprocess.CompletedProcess[str]:
    # The hook's environment is new at every run: its word cache (named after its
    # jieba) goes under the test's directory, not the user's ~/.cache.
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(cache),
        "XDG_CACHE_HOME": str(cache / "xdg"),
        "DETECTOR_MODEL": str(model),
    }
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "detector",
         "--ref", "HEAD", "--files", name],
        cwd=articles, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.mark.slow
def test_pre_commit_try_repo(hook_repo: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "injected.txt").write_text(INJECTED, encoding="utf-8")
    (articles / "clean.md").write_text(CLEAN, encoding="utf-8")
    (articles / "allowed.txt").write_text(ALLOWED, encoding="utf-8")
    (articles / ".detector.toml").write_text('allow = ["代开各类正规发票"]\n', encoding="utf-8")
    git(articles, "init", "-q")
    git(articles, "add", "-A")
    cache = tmp_path / "pre-commit-home"
    # Without its allowlist entry the "allowed" article is flagged too.
    unlisted = CliRunner().invoke(
        main, ["scan", "--model", str(tiny_model_dir), str(articles / "allowed.txt")]
    )
    assert unlisted.exit_code == 1

    blocked = try_repo(hook_repo, articles, tiny_model_dir, cache, "injected.txt")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "injected.txt:2:5: stock-margin" in blocked.stdout
    assert "Failed" in blocked.stdout

    for name in ("clean.md", "allowed.txt"):
        passed = try_repo(hook_repo, articles, tiny_model_dir, cache, name)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "Passed" in passed.stdout

    # A JSON file that is not an article (no "text" field) is not the hook's
    # business: it failed every commit with exit 2 when .json was in `files`.
    (articles / "package.json").write_text('{"name": "site"}\n', encoding="utf-8")
    git(articles, "add", "package.json")
    unrelated = try_repo(hook_repo, articles, tiny_model_dir, cache, "package.json")
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
