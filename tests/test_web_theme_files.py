"""The theme's static files the web edition copies: the same list as MkDocs' own.

The plugin lists the theme's files without walking hidden folders (material's 14,000
icons), which MkDocs' filter refuses anyway; these tests compare that list with the one
MkDocs makes from an environment the plugin has not touched, on the theme the bundled
report uses (material, MkDocs' own, the toolkit's), and check that a filter that would
take a hidden file gets the full walk.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from mkdocs.config import load_config
from mkdocs.structure.files import Files

from report.editions import web_plugin

REPO = Path(__file__).resolve().parent.parent


def _config():
    config = load_config(str(REPO / "mkdocs.yml"))
    config.theme.dirs.insert(0, str(web_plugin.THEME_DIR))  # as the plugin's on_config
    return config


def _theme_files(env: jinja2.Environment, config) -> list[tuple[str, str]]:
    """(name in the site, file copied) of each theme file MkDocs adds."""
    files = Files([])
    files.add_files_from_theme(env, config)
    return sorted((f.src_uri, f.abs_src_path) for f in files)


def test_theme_files_are_mkdocs_own(monkeypatch) -> None:
    monkeypatch.setattr(web_plugin, "_THEME_FILES", {})
    config = _config()
    own = _theme_files(config.theme.get_env(), config)
    kept = web_plugin._listing_kept(config.theme.get_env(), ("test", *config.theme.dirs))
    listed = _theme_files(kept, config)
    assert listed == own
    assert len(own) > 20  # material's stylesheets, scripts and images, the toolkit's
    assert any("/web_theme/" in path for _, path in own)
    assert not any(uri.startswith(".") or "/." in uri for uri, _ in own)


def test_a_filter_taking_hidden_files_gets_the_full_walk(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(web_plugin, "_THEME_FILES", {})
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "a.css").write_text("a {}")
    (tmp_path / "b.css").write_text("b {}")
    env = web_plugin._listing_kept(
        jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path))), ("all",))
    assert env.list_templates(filter_func=lambda name: True) == [".hidden/a.css", "b.css"]
    monkeypatch.setattr(web_plugin, "_THEME_FILES", {})
    env = web_plugin._listing_kept(
        jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path))), ("visible",))
    assert env.list_templates(filter_func=lambda name: not any(
        part.startswith(".") for part in name.split("/"))) == ["b.css"]
