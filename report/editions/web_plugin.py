"""The ``report`` MkDocs plugin: chapter pages show the shared render, not Markdown.

MkDocs' own Markdown would read the report's pandoc constructs (citations, numbered
recommendations, cross-references) differently from the PDFs, so the plugin skips it for
chapter pages and puts the chapter HTML from :func:`report.render.render` in its place,
with links between chapters rewritten to page URLs. It also forces the privacy and
accessibility settings the report needs (no Google Fonts, the report's language, the
draft stamp, noindex for previews) and adds a downloads page.

Named ``report`` in ``mkdocs.yml`` (``plugins: [search, report]``); registered as an
entry point in ``pyproject.toml``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import html as htmllib
import json
import logging
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from lxml import etree, html
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import clean_directory, get_relative_url, is_error_template

from report.editions import web
from report.editions.context import BuildContext
from report.errors import InputError
from report.manuscript import MANIFEST, Manuscript, load, tree
from report.outputs import user_temporary_folder
from report.render.cache import digest, file_digest, made_once
from report.render.html import ChapterHTML
from report.render.media import read_stripped

THEME_DIR = Path(__file__).resolve().parent / "web_theme"
FONTS_DIR = Path(__file__).resolve().parent.parent / "styles" / "fonts"
FONTS = ("OpenSans-Regular.ttf", "OpenSans-Italic.ttf", "OpenSans-Semibold.ttf",
         "OpenSans-Bold.ttf", "OpenSans-BoldItalic.ttf")
STYLESHEET = "assets/report/report.css"
SCRIPT = "assets/report/report.js"
ROBOTS = "robots.txt"
DOWNLOADS_PAGE = "downloads.md"
HOME_PAGE = "index.md"
TOC_LEVELS = ("h1", "h2", "h3", "h4")
# The template of a page whose output in site_dir is already what this build would write:
# empty, so MkDocs renders nothing and writes nothing, yet still hands the page to the
# search plugin (the search index stays whole).
UNCHANGED_TEMPLATE = "report-unchanged.html"
log = logging.getLogger("mkdocs.plugins.report")
_URL_ATTRIBUTES = (("a", "href"), ("img", "src"), ("source", "src"), ("object", "data"),
                   ("link", "href"))


class _TemplateBytecode(jinja2.BytecodeCache):
    """Compiled theme templates kept in memory between builds of one process, and between
    processes in Jinja's own per-user cache folder.

    MkDocs makes a fresh Jinja environment for every build, so ``report serve`` would
    otherwise recompile material's templates (a quarter of a second) on every save, and
    every ``report build`` of the web edition would (about 0.4 s after a one-chapter
    edit). Buckets are checked against the template source, so an edited template is
    recompiled. The folder is the one Jinja's ``FileSystemBytecodeCache`` would choose,
    in the user's temporary folder, made by and for this user only (one it does not own
    is refused, as Jinja refuses it): compiled code is never read from the report tree
    or ``build/``, which may come from someone else.
    """

    def __init__(self, directory: str | None = None) -> None:
        self._store: dict[str, bytes] = {}
        self._directory = directory  # None: Jinja's default (tests give their own)
        self._disk: jinja2.BytecodeCache | None | bool = None  # False: memory only

    def _shared(self) -> jinja2.BytecodeCache | None:
        if self._disk is None:
            try:
                directory = self._directory or _own_folder_for_compiled_templates()
                self._disk = jinja2.FileSystemBytecodeCache(directory) if directory else False
            except OSError:  # no safe folder: compile once per process
                self._disk = False
        return self._disk or None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)
            return
        disk = self._shared()
        if disk is not None:
            try:
                disk.load_bytecode(bucket)
            except (OSError, ValueError, EOFError):  # damaged: compiled again
                bucket.reset()
            if bucket.code is not None:
                self._store[bucket.key] = bucket.bytecode_to_string()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()
        disk = self._shared()
        if disk is not None:
            try:
                disk.dump_bytecode(bucket)
            except OSError:
                pass  # a cache: the next process compiles again


def _svg_file_text_size(path: Path) -> tuple[float, float] | None:
    return svg_text_size(path.read_bytes())


def _own_folder_for_compiled_templates() -> str | None:
    """Jinja's default folder for compiled templates (``_jinja2-cache-<uid>``), in the
    user's temporary folder rather than the command's own, which goes at its exit
    (``report.outputs.own_temporary_folder``); checked as Jinja checks it: this user's
    own folder, closed to others, or None (memory only)."""
    import stat

    if not hasattr(os, "getuid"):
        return None
    folder = os.path.join(user_temporary_folder(), f"_jinja2-cache-{os.getuid()}")
    try:
        os.mkdir(folder, stat.S_IRWXU)
    except FileExistsError:
        pass
    found = os.lstat(folder)
    if found.st_uid != os.getuid() or not stat.S_ISDIR(found.st_mode):
        return None
    if stat.S_IMODE(found.st_mode) != stat.S_IRWXU:
        os.chmod(folder, stat.S_IRWXU)
    return folder


_BYTECODE = _TemplateBytecode()

# Kept between builds of one process (``report serve`` rebuilds on every save): the theme's
# static files as MkDocs lists them (a walk of material's thousands of files, a quarter
# of a second), and each page's search entries by the page's key.
_THEME_FILES: dict[tuple, list[str]] = {}
_SEARCH_ENTRIES: dict[str, list[dict]] = {}
# Each chapter page's content, title and table of contents by all they are made from
# (ReportPlugin._chapter_content).
_PAGE_CONTENT: dict[str, tuple[str | None, list[dict], str]] = {}


def _hidden_refused(filter_func) -> bool:
    """True when ``filter_func`` refuses a file in a hidden folder, at the top or deeper:
    MkDocs' theme-file filter does (its patterns ``.*`` and ``*/.*``)."""
    return not any(filter_func(name) for name in (".report-probe/a.css",
                                                   "a/.report-probe/b.css"))


def _visible_templates(loader: jinja2.FileSystemLoader) -> list[str]:
    """The loader's templates as :meth:`jinja2.FileSystemLoader.list_templates` names them,
    less those in hidden folders, which are not walked: material keeps its 14,000 icons
    in ``.icons``, and listing them only for MkDocs' filter to drop every one took
    0.13-0.16 s of each web build (the pruned walk: 2 ms)."""
    found: set[str] = set()
    for searchpath in loader.searchpath:
        for dirpath, dirnames, filenames in os.walk(searchpath, followlinks=loader.followlinks):
            dirnames[:] = [name for name in dirnames if not name.startswith(".")]
            for filename in filenames:
                template = (os.path.join(dirpath, filename)[len(searchpath):]
                            .strip(os.path.sep).replace(os.path.sep, "/"))
                found.add(template.removeprefix("./"))
    return sorted(found)


def _listing_kept(env: jinja2.Environment, key: tuple) -> jinja2.Environment:
    """``env`` listing the theme's templates once per process for the same theme folders
    and static templates (the filter MkDocs passes depends on nothing else), without
    walking hidden folders when the filter refuses their files anyway, and keeping
    compiled templates (the search plugin's translations are compiled in an environment
    of their own)."""
    env.bytecode_cache = _BYTECODE
    listing = env.list_templates

    def list_templates(extensions=None, filter_func=None) -> list[str]:
        if extensions is not None or filter_func is None:
            return listing(extensions, filter_func)
        if key not in _THEME_FILES:
            if isinstance(env.loader, jinja2.FileSystemLoader) and _hidden_refused(filter_func):
                _THEME_FILES[key] = [name for name in _visible_templates(env.loader)
                                     if filter_func(name)]
            else:
                _THEME_FILES[key] = listing(extensions, filter_func)
        return list(_THEME_FILES[key])

    env.list_templates = list_templates
    return env


@dataclass
class SiteState:
    """What an incremental build needs to know of the site already in ``site_dir``.

    ``previous`` is the state the last successful build left there (None: the folder is
    not known, build everything into a clean one); ``current`` is this build's, set by
    the plugin and kept by the caller only when the build succeeds. A state is the list
    of every output file (a page added, removed or renamed means a clean build: the folder
    would otherwise keep stale files) and a key per page of all that its HTML is made
    from (content, table of contents, title, navigation, the build's settings).
    """

    previous: dict | None = None
    current: dict | None = None
    salt: str = ""
    rebuilt: list[str] = field(default_factory=list)


def _always_modified() -> bool:
    return True


def _never_modified() -> bool:
    return False


# The plugins whose page events the web edition knows: with no other, a page whose output
# is already written need not be handed to them again (ReportPlugin._skip_unchanged).
KNOWN_PLUGINS = frozenset({"search", "material/search", web.PLUGIN})


@dataclass
class ChapterPage:
    """A chapter as the site shows it: its render and the source file MkDocs knows."""

    chapter: ChapterHTML
    src_uri: str


class ReportPlugin(BasePlugin):
    """Feeds the shared render into mkdocs-material."""

    context: BuildContext | None = None
    # Set for an incremental build (``report build``, ``report serve``): MkDocs then runs
    # in dirty mode on a kept site_dir and only pages whose key changed are written.
    incremental: SiteState | None = None

    def __init__(self) -> None:
        super().__init__()
        self._build: BuildContext | None = None
        self._pages: dict[str, ChapterPage] = {}
        self._anchors: dict[str, str] = {}
        self._generated: set[str] = set()
        self._unrendered: dict[str, str] = {}
        self._nav: Navigation | None = None
        self._site_key = ""
        self._error_pages_kept = False
        # Incremental builds: the pages in the order MkDocs reads them, those read as
        # they were without MkDocs (_read_as_before), those it is not to build, and the
        # search index's entries (see _skip_unchanged).
        self._order: list[str] = []
        self._restored: set[str] = set()
        self._skipped: set[str] = set()
        self._search_index = None
        self._search_keys: dict[str, str] = {}
        self._search_added: dict[str, list[dict]] = {}
        self._copies: dict[str, str] = {}  # site copies of the tree's files (_tree_file_copy)
        self._before_read: dict[str, tuple[int, int] | None] = {}  # (on_pre_page)

    # -- configuration ----------------------------------------------------------------

    @event_priority(50)  # before the search plugin's, which compiles theme templates
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._context(config)
        if config.theme.name != "material":
            log.warning(f"theme {config.theme.name!r}: the web edition is laid out for "
                        "'material'; the draft stamp and the report's styles need it")
        # Privacy: material loads Google Fonts unless the font is switched off.
        config.theme["font"] = False
        dirs = config.theme.dirs
        if str(THEME_DIR) not in dirs:
            material = next((i for i, d in enumerate(dirs) if Path(d).name == "templates"
                             and Path(d).parent.name == "material"), 0)
            dirs.insert(material, str(THEME_DIR))
        if STYLESHEET not in config.extra_css:
            config.extra_css.insert(0, STYLESHEET)
        if SCRIPT not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(SCRIPT)
        if config.nav is not None:
            if not _nav_has(config.nav, DOWNLOADS_PAGE):
                config.nav.append({"Downloads": DOWNLOADS_PAGE})
            docs = Path(config.docs_dir)
            if not _nav_has(config.nav, HOME_PAGE) and not (docs / HOME_PAGE).exists() \
                    and not (docs / "README.md").exists():
                config.nav.insert(0, {"Home": HOME_PAGE})
        if self.incremental is not None:
            theme = config.theme
            get_env = theme.get_env
            key = (tuple(theme.dirs), tuple(sorted(theme.static_templates)))
            theme.get_env = lambda: _listing_kept(get_env(), key)
        return config

    def _take_render(self) -> None:
        """The chapters' pages from the render. Asked for when MkDocs hands over the
        site's files, not in on_config: in ``report serve`` the render of a save is still
        running then, and MkDocs' own work between the two (the other plugins'
        configuration, the theme's files) is done meanwhile rather than after it."""
        manuscript = self.build_context.manuscript
        try:
            rendered = self.build_context.rendered
        except InputError as exc:
            raise PluginError("\n".join(str(p) for p in exc.problems)) from None
        self._pages = {}
        self._anchors = {}
        self._unrendered = {c.page: c.rel for c in manuscript.chapters}
        for chapter in rendered.chapters:
            source = manuscript.chapter_by_rel(chapter.source)
            src_uri = source.page if source else chapter.source.split("/", 1)[-1]
            self._pages[src_uri] = ChapterPage(chapter, src_uri)
            self._unrendered.pop(src_uri, None)
            for anchor in _ids(chapter):
                self._anchors.setdefault(anchor, src_uri)

    def _context(self, config: MkDocsConfig) -> BuildContext:
        """This build's context: handed over by ``report build``, else made from the tree."""
        if self.context is not None:
            self._build = self.context
            return self.context
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            self._build = BuildContext(load(root))
        except InputError as exc:
            raise PluginError("\n".join(str(p) for p in exc.problems)) from None
        return self._build

    @property
    def build_context(self) -> BuildContext:
        assert self._build is not None, "on_config has not run"
        return self._build

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        self._order = []
        self._skipped = set()
        self._copies = {}
        self._before_read = {}
        self._take_render()
        self._publish_only_what_is_used(files, config)
        for name in FONTS:
            target = f"assets/report/fonts/{name}"
            if files.get_file_from_path(target) is None and (FONTS_DIR / name).is_file():
                files.append(File.generated(config, target, abs_src_path=str(FONTS_DIR / name)))
        self._generated = set()
        if files.get_file_from_path(DOWNLOADS_PAGE) is None:
            files.append(File.generated(config, DOWNLOADS_PAGE, content="# Downloads\n"))
            self._generated.add(DOWNLOADS_PAGE)
        if not any(f.url in ("", "./", "index.html") for f in files.documentation_pages()):
            files.append(File.generated(config, HOME_PAGE, content="# Home\n"))
            self._generated.add(HOME_PAGE)
        if self._noindex:
            # A draft is not for circulation: no search engine may index any of it.
            old = files.get_file_from_path(ROBOTS)
            if old is not None:
                files.remove(old)
            files.append(File.generated(config, ROBOTS, content="User-agent: *\nDisallow: /\n"))
        if self.incremental is not None:
            # Dirty mode reads only pages whose Markdown is newer than their HTML, but a
            # page's HTML depends on the whole render and on every title in the
            # navigation: every page is read (cheap); on_env decides which are written.
            for file in files.documentation_pages():
                file.is_modified = _always_modified
        return files

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        self._nav = nav
        self._site_key = self._links_key(files)
        self._read_as_before(config, files)
        return nav

    def _read_as_before(self, config: MkDocsConfig, files: Files) -> None:
        """In an incremental build, give each chapter page whose file is as this process
        last saw MkDocs read it (same size and time) what MkDocs' reading would give it,
        without MkDocs: the front matter it read then, the empty Markdown the plugin
        leaves it, and its content, title and table of contents from the render. MkDocs
        then skips reading it (dirty mode: not modified) and hands it to no plugin's page
        events, which with no plugin but ours and search change nothing: on the corpus,
        about 25 ms of every preview save went to reading and handing over the 110
        chapters a save did not touch. ``_skip_unchanged`` decides afterwards, from the
        page as given, which pages are written, as before."""
        self._restored = set()
        if self.incremental is None or not set(config.plugins) <= KNOWN_PLUGINS:
            return
        for file in files.documentation_pages():
            page, chapter_page = file.page, self._pages.get(file.src_uri)
            if page is None or chapter_page is None or not file.abs_src_path:
                continue
            read = _READ.get(file.abs_src_path)
            if read is None or read[0] != _stat_signature(file.abs_src_path):
                continue
            page.markdown = ""
            page.meta = copy.deepcopy(read[1])
            _render_empty(page, config, files)
            page.content = self._chapter_content(chapter_page, page, files)
            file.is_modified = _never_modified  # type: ignore[method-assign]
            self._restored.add(file.src_uri)

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        """The file's size and time before MkDocs reads it (_read_as_before): should it
        change meanwhile, the next build reads it again."""
        if self.incremental is not None and page.file.abs_src_path:
            self._before_read[page.file.abs_src_path] = _stat_signature(page.file.abs_src_path)
        return page

    @property
    def _noindex(self) -> bool:
        context = self.build_context
        return context.noindex or context.draft

    def _publish_only_what_is_used(self, files: Files, config: MkDocsConfig) -> None:
        """Keep, of the files in docs_dir, only the chapters' pages and what they use.

        Anything else an author keeps beside the chapters (notes, spreadsheets, scripts,
        a symlink) would otherwise be published as it is, read by no check. Images go
        out without their metadata (:mod:`report.render.media`).
        """
        docs = Path(config.docs_dir).resolve()
        inside = os.path.join(str(docs), "")
        # Every file's real path, each folder's found once (a tenth of MkDocs' work on a
        # save of the corpus went to resolving the same few folders again and again).
        real = tree.Resolver(docs).real
        resources = self.build_context.rendered.resources
        used = {real(str(p)) for p in (*resources.media.values(), *resources.linked)}
        pages = set(self._pages) | set(self._unrendered) | {HOME_PAGE}
        listed = {str(u) for u in (*config.extra_css, *config.extra_javascript,
                                   config.theme.get("logo"), config.theme.get("favicon")) if u}
        # The installed theme's folders (material's, MkDocs' own, the toolkit's: all but
        # an author's custom_dir): their files are the theme's without resolving each of
        # hundreds of paths on every build (a hundredth of a second a save).
        installed = tuple(os.path.join(folder, "") for folder in config.theme.dirs
                          if folder != config.theme.custom_dir
                          and not docs.is_relative_to(Path(folder).resolve()))
        for file in list(files):
            if file.generated_by or not file.abs_src_path:
                continue
            if file.abs_src_path.startswith(installed):
                continue  # the theme's own files
            source = real(file.abs_src_path)
            if not source.startswith(inside) and not Path(file.abs_src_path).is_relative_to(docs):
                continue  # the theme's own files
            if file.is_documentation_page():
                if file.src_uri not in pages:
                    files.remove(file)
            elif source in used or (file.src_uri in listed and source.startswith(inside)):
                files.remove(file)
                files.append(self._tree_file_copy(config, file.src_uri, Path(source)))
            else:
                files.remove(file)

    def _tree_file_copy(self, config: MkDocsConfig, src_uri: str, source: Path) -> File:
        """The site's copy of an image or stylesheet of the tree: its bytes without their
        metadata (:mod:`report.render.media`). MkDocs writes a file given by its bytes on
        every build; in an incremental one (``report serve``: every save), one whose copy
        in site_dir is as this process wrote it, with the same bytes, is not written
        again, nor is its source read and stripped again while it is unchanged: on the
        corpus, 28 images (2.6 MB), a quarter of MkDocs' work on each save."""
        data, data_digest = _stripped_copy(source)
        copied = File.generated(config, src_uri, content=data)
        if self.incremental is not None:
            # Asked when MkDocs copies the files, after on_env may have emptied site_dir.
            copied.is_modified = functools.partial(  # type: ignore[method-assign]
                _not_yet_written, copied.abs_dest_path, data_digest)
            self._copies[copied.abs_dest_path] = data_digest
        return copied

    def on_env(self, env, config: MkDocsConfig, files: Files):
        context = self.build_context
        manifest = context.manuscript.manifest
        env.bytecode_cache = _BYTECODE
        env.globals["report_web"] = {
            "stamp": context.stamp if context.draft else None,
            "noindex": self._noindex,
            "language": manifest.language,
            "copyright": manifest.copyright,
            "licence": manifest.licence,
        }
        if self.incremental is not None:
            self._skip_unchanged(env, config, files)
        return env

    def _skip_unchanged(self, env, config: MkDocsConfig, files: Files) -> None:
        """Give every page whose output in site_dir is already this build's the empty
        template; start from a clean site_dir when the set of files changed."""
        state = self.incremental
        assert state is not None
        # mkdocs.yml whole: the theme's features, the plugins' settings, the extra fields.
        manifest = Path(config.config_file_path).read_bytes() if config.config_file_path \
            else b""
        common = hashlib.sha256(json.dumps(
            [state.salt, hashlib.sha256(manifest).hexdigest(), env.globals["report_web"],
             config.site_url, config.site_name, config.extra, _nav_signature(self._nav)],
            default=str, sort_keys=True).encode()).hexdigest()
        outputs = sorted(file.dest_uri for file in files)
        keys = {file.src_uri: _page_key(common, file.page)
                for file in files.documentation_pages() if file.page is not None}
        # The pages' search entries the last build kept (a new process: ``report build``),
        # by the same keys: an unchanged page is then neither parsed again nor built.
        kept_entries = (state.previous or {}).get("search")
        if isinstance(kept_entries, dict):
            for key, entries in kept_entries.items():
                if isinstance(entries, list) and all(isinstance(e, dict) for e in entries):
                    _SEARCH_ENTRIES.setdefault(key, entries)
        self._search_kept(config, keys)
        previous = state.previous
        if previous is None or previous.get("outputs") != outputs:
            clean_directory(config.site_dir)
            previous = {}
        # The error page (404.html) shows the navigation and the settings: all in common.
        self._error_pages_kept = previous.get("common") == common
        old = previous.get("pages", {})
        state.rebuilt = []
        # MkDocs still hands an unchanged page to every plugin and renders its empty
        # template: about a millisecond a page on every save. With no plugin but ours
        # and search, a page whose search entries are kept is not built at all
        # (:meth:`_search_in_order` puts its entries back in their place).
        skippable = set(config.plugins) <= KNOWN_PLUGINS
        self._skipped = set()
        # The pages in the order MkDocs read them, those it did not read included.
        read = set(self._order) | self._restored
        self._order = [file.src_uri for file in files.documentation_pages(
            inclusion=lambda level: True) if file.src_uri in read]
        for file in files.documentation_pages():
            if file.page is None:
                continue
            key = keys[file.src_uri]
            if old.get(file.src_uri) == key and Path(file.abs_dest_path).is_file():
                file.page.meta["template"] = UNCHANGED_TEMPLATE
                if skippable and (self._search_index is None or key in _SEARCH_ENTRIES):
                    file.is_modified = _never_modified
                    self._skipped.add(file.src_uri)
                    continue
            else:
                state.rebuilt.append(file.src_uri)
            file.is_modified = _always_modified  # built (read as before or not)
        self._search_keys = keys
        state.current = {"outputs": outputs, "pages": keys, "common": common}

    def on_pre_template(self, template: jinja2.Template, template_name: str,
                        config: MkDocsConfig) -> jinja2.Template:
        """An error page whose output in site_dir is already this build's is not laid
        out again: an empty template makes MkDocs skip it and leave the file (the 404
        page is material's whole layout, about 20 ms of each ``report serve`` save)."""
        if self.incremental is not None and self._error_pages_kept \
                and is_error_template(template_name) \
                and (Path(config.site_dir) / template_name).is_file():
            return template.environment.from_string("")
        return template

    def _search_kept(self, config: MkDocsConfig, keys: dict[str, str]) -> None:
        """The search plugin parses every page's HTML on every build: a page whose key is
        unchanged gets the entries it had (kept in this process), in the same order."""
        # Named "search" or, under material, "material/search".
        index = next((plugin.search_index for plugin in config.plugins.values()
                      if hasattr(getattr(plugin, "search_index", None), "entries")), None)
        self._search_index = index
        self._search_added = {}
        if index is None:
            return
        add = index.add_entry_from_context

        def add_entry_from_context(page: Page) -> None:
            key = keys.get(page.file.src_uri)
            kept = _SEARCH_ENTRIES.get(key) if key else None
            start = len(index.entries)
            if kept is not None:
                index.entries.extend(copy.deepcopy(kept))
            else:
                add(page)
                if key:
                    if len(_SEARCH_ENTRIES) > 4096:
                        _SEARCH_ENTRIES.clear()
                    _SEARCH_ENTRIES[key] = copy.deepcopy(index.entries[start:])
            self._search_added[page.file.src_uri] = index.entries[start:]

        index.add_entry_from_context = add_entry_from_context

    def _search_in_order(self) -> None:
        """The search entries of every page in the order MkDocs read the pages, those of
        the pages not built (:meth:`_skip_unchanged`) from the ones kept by their key:
        the index a build of every page writes."""
        index = self._search_index
        if index is None or not self._skipped:
            return
        index.entries[:] = [
            entry for uri in self._order for entry in (
                copy.deepcopy(_SEARCH_ENTRIES[self._search_keys[uri]])
                if uri in self._skipped else self._search_added.get(uri, []))]

    # -- pages ------------------------------------------------------------------------

    def _is_ours(self, page: Page) -> bool:
        return page.file.src_uri in self._pages or page.file.src_uri in self._generated

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        self._order.append(page.file.src_uri)
        signature = self._before_read.pop(page.file.abs_src_path or "", None)
        if signature is not None and page.file.src_uri in self._pages:
            _READ[page.file.abs_src_path] = (signature, copy.deepcopy(page.meta))
        # The render replaces this page's content: spare Python-Markdown the pandoc syntax.
        if not self._is_ours(page):
            return markdown
        page.render = functools.partial(_render_empty, page)  # type: ignore[method-assign]
        return ""

    def on_page_content(self, html_text: str, page: Page, config: MkDocsConfig,
                        files: Files) -> str:
        if page.file.src_uri in self._pages:
            return self._chapter_content(self._pages[page.file.src_uri], page, files)
        if page.file.src_uri == DOWNLOADS_PAGE and DOWNLOADS_PAGE in self._generated:
            element = self._downloads_element(page, files)
        elif page.file.src_uri == HOME_PAGE and HOME_PAGE in self._generated:
            key = self._home_key(page, files)
            if key is None:
                element = self._home_element(page, files)
            else:
                if key not in _PAGE_CONTENT:
                    _PAGE_CONTENT[key] = _page_parts(self._home_element(page, files))
                return _shown(page, _PAGE_CONTENT[key])
        else:
            if page.file.src_uri in self._unrendered:
                log.warning(f"{self._unrendered[page.file.src_uri]}: not found in the render, "
                            "so shown as plain Markdown (a ::: block left open in an earlier "
                            "chapter?)")
            return html_text
        return _shown(page, _page_parts(element))

    def _chapter_content(self, chapter_page: ChapterPage, page: Page, files: Files) -> str:
        """The chapter page's content (its title and table of contents set on ``page``),
        made again only when what it is made from changed: the chapter's render, the
        page's URL, its figures' text sizes, and the site's anchors and file URLs
        (``report serve`` builds every page on each save, and most are as they were)."""
        sizes = self._svg_text_sizes(chapter_page)
        key = hashlib.sha256(json.dumps(
            [self._site_key or self._links_key(files), page.url, chapter_page.src_uri, sizes,
             chapter_page.chapter.key or chapter_page.chapter.to_string()]).encode()
        ).hexdigest()
        if key not in _PAGE_CONTENT:
            element = chapter_element(chapter_page, page, files, self._anchors, self._pages)
            number_notes_per_page(element)
            signpost_tables(element)
            legible_figures(element, sizes)
            if len(_PAGE_CONTENT) >= 1024:
                _PAGE_CONTENT.clear()
            _PAGE_CONTENT[key] = _page_parts(element)
        return _shown(page, _PAGE_CONTENT[key])

    def _links_key(self, files: Files) -> str:
        """What every chapter page's links are made from, beside its own render: the
        anchors of the book, the chapters' labels and every file's URL."""
        return hashlib.sha256(json.dumps(
            [sorted(self._anchors.items()),
             [(uri, p.chapter.label) for uri, p in self._pages.items()],
             sorted((f.src_uri, f.url) for f in files)]).encode()).hexdigest()

    def _downloads(self, page: Page) -> list[tuple[str, str, str]]:
        """Every downloadable edition: link, label, and format, size (when built) and
        ISBN."""
        context = self.build_context
        manifest = context.manuscript.manifest
        assert context.out_dir is not None
        shown = []
        for download in web.downloads(manifest):
            details = [download.format]
            size = web.shown_size(context.out_dir / download.name)
            if size is not None:
                details.append(size)
            isbn = manifest.isbn.get(download.edition)
            if isbn:
                details.append(f"ISBN {isbn}")
            shown.append((get_relative_url(f"{web.DOWNLOADS}/{download.name}", page.url),
                          download.label, "(" + ", ".join(details) + ")"))
        return shown

    def _downloads_list(self, parent: html.HtmlElement, page: Page) -> None:
        """Every downloadable edition: link, format, size (when built) and ISBN."""
        items = etree.SubElement(parent, "ul", {"class": "report-downloads"})
        for href, label, details in self._downloads(page):
            item = etree.SubElement(items, "li")
            link = etree.SubElement(item, "a", {"href": href})
            link.text = label
            meta = etree.SubElement(item, "span", {"class": "report-download-meta"})
            meta.text = details
            link.tail = " "

    def _downloads_element(self, page: Page, files: Files) -> html.HtmlElement:
        section = html.Element("section", {"id": "downloads", "class": "report-downloads-page"})
        title = etree.SubElement(section, "h1")
        title.text = "Downloads"
        intro = etree.SubElement(section, "p")
        intro.text = ("The report is also published in these formats. They have the same "
                      "text, recommendation numbers, citations and notes as these pages.")
        self._downloads_list(section, page)
        accessibility = next((p for p in self._pages.values()
                              if p.chapter.label == "ch-accessibility"), None)
        if accessibility is not None:
            note = etree.SubElement(section, "p")
            note.text = "If you need the report in another format, see the "
            target = files.get_file_from_path(accessibility.src_uri)
            href = get_relative_url(target.url, page.url) if target else "#"
            link = etree.SubElement(note, "a", {"href": href})
            link.text = "accessibility statement"
            link.tail = "."
        return section

    def _site_copy(self, node: html.HtmlElement, chapter_page: ChapterPage, page: Page,
                   files: Files) -> html.HtmlElement:
        """A copy of part of a chapter for another page: links work, ids and notes go."""
        copied = copy.deepcopy(node)
        labels = {p.chapter.label: uri for uri, p in self._pages.items()}
        for link in list(copied.iter("a")):
            if "footnote-ref" in (link.get("class") or ""):
                link.drop_tree()
            elif link.get("href"):
                link.set("href", _site_url(link.get("href"), chapter_page.src_uri, page, files,
                                           self._anchors, labels))
        for element in copied.iter():
            if isinstance(element.tag, str) and "id" in element.attrib:
                del element.attrib["id"]
        return copied

    def _key_findings(self, parent: html.HtmlElement, page: Page, files: Files) -> None:
        """The report's first key findings box (in the executive summary), as it stands
        there: inside its draft mark when it is still a draft."""
        for chapter_page in self._pages.values():
            found = chapter_page.chapter.element.xpath(_KEY_FINDINGS)
            if not found:
                continue
            box = found[0]
            parent_box = box.getparent()
            if parent_box is not None and "draft" in (parent_box.get("class") or "").split():
                box = parent_box
            copied = self._site_copy(box, chapter_page, page, files)
            heading = etree.SubElement(parent, "h2", {"id": "key-findings"})
            heading.text = "Key findings"
            for inner in copied.xpath(".//div[contains(concat(' ', @class, ' '), "
                                      "' key-findings ')]") + [copied]:
                lead = inner.find("p")
                if "key-findings" in (inner.get("class") or "").split() and lead is not None:
                    heading.text = _text(lead)  # the box's own lead becomes the heading
                    inner.remove(lead)
                    break
            parent.append(copied)
            return

    def _recommendations(self, parent: html.HtmlElement, page: Page, files: Files) -> None:
        """Every recommendation in one line: number (linked), addressee, first paragraph."""
        rendered = self.build_context.rendered
        if not rendered.recommendations:
            return
        heading = etree.SubElement(parent, "h2", {"id": "recommendations-at-a-glance"})
        heading.text = "Recommendations at a glance"
        items = etree.SubElement(parent, "ul", {"class": "report-recs-glance"})
        pages_by_label = {p.chapter.label: p for p in self._pages.values()}
        for rec in rendered.recommendations:
            chapter_page = pages_by_label.get(rec.chapter)
            if chapter_page is None:
                continue
            found = chapter_page.chapter.element.xpath(".//div[@id=$id]", id=rec.id)
            paragraphs = found[0].xpath("./p") if found else []
            target = files.get_file_from_path(chapter_page.src_uri)
            if target is None:
                continue
            item = etree.SubElement(items, "li")
            link = etree.SubElement(item, "a", {
                "href": f"{get_relative_url(target.url, page.url)}#{rec.id}"})
            strong = etree.SubElement(link, "strong")
            strong.text = f"Recommendation {rec.number}"
            link.tail = f" (to: {rec.to})"
            if len(paragraphs) > 1:  # its first sentence; the link leads to the rest
                text = _text(self._site_copy(paragraphs[1], chapter_page, page, files))
                link.tail += ": " + re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]

    def _home_key(self, page: Page, files: Files) -> str | None:
        """All the home page is made from, when every chapter's render has a key (see
        :meth:`_chapter_content`; the home page copies the key findings and the
        recommendations out of the chapters): the chapters, the recommendations, the
        site's anchors and URLs, mkdocs.yml (the manifest's title, partners, version,
        description) and the downloads as listed."""
        if not all(p.chapter.key for p in self._pages.values()):
            return None
        recommendations = self.build_context.rendered.recommendations
        holding = {rec.chapter for rec in recommendations}
        chapters = []
        for uri, chapter_page in self._pages.items():
            chapter = chapter_page.chapter
            findings, title = made_once(digest("home part", chapter.key),
                                        functools.partial(_home_part, chapter))
            # A chapter the home page copies from counts whole, any other by its title.
            copied = findings or chapter.label in holding
            chapters.append((uri, chapter.label, title, chapter.key if copied else ""))
        config = self.build_context.manuscript.root / MANIFEST
        return hashlib.sha256(json.dumps(
            ["home", self._site_key or self._links_key(files), page.url, chapters,
             [dataclasses.astuple(rec) for rec in recommendations],
             hashlib.sha256(config.read_bytes()).hexdigest(), self._downloads(page),
             DOWNLOADS_PAGE in self._generated]).encode()).hexdigest()

    def _home_element(self, page: Page, files: Files) -> html.HtmlElement:
        """The landing page a reader arriving from a search sees as the report: title,
        partners, a short summary, the key findings, the recommendations at a glance,
        every edition to download and the contents."""
        manifest = self.build_context.manuscript.manifest
        section = html.Element("section", {"id": "title-page", "class": "report-title-page"})
        title = etree.SubElement(section, "h1")
        title.text = manifest.title
        if manifest.subtitle:
            subtitle = etree.SubElement(section, "p", {"class": "report-subtitle"})
            subtitle.text = manifest.subtitle
        if manifest.partners:
            partners = etree.SubElement(section, "p", {"class": "report-partners"})
            partners.text = "A report of " + manifest.partners_in_text + "."
        edition = etree.SubElement(section, "p", {"class": "report-edition"})
        edition.text = f"Version {manifest.version}" + (f", {manifest.date}" if manifest.date
                                                        else "") + "."
        description = manifest.config.get("site_description")
        if description:
            summary = etree.SubElement(section, "p", {"class": "report-summary"})
            summary.text = str(description).rstrip(".") + "."
        self._key_findings(section, page, files)
        self._recommendations(section, page, files)
        heading = etree.SubElement(section, "h2", {"id": "downloads"})
        heading.text = "Download the report"
        self._downloads_list(section, page)
        heading = etree.SubElement(section, "h2", {"id": "contents"})
        heading.text = "Contents"
        items = etree.SubElement(section, "ul", {"class": "report-contents"})
        for src_uri, chapter_page in self._pages.items():
            target = files.get_file_from_path(src_uri)
            if target is None:
                continue
            heading_node = chapter_page.chapter.element.find(".//h1")
            item = etree.SubElement(items, "li")
            link = etree.SubElement(item, "a", {"href": get_relative_url(target.url, page.url)})
            link.text = _text(heading_node) if heading_node is not None else src_uri
        if DOWNLOADS_PAGE in self._generated:
            item = etree.SubElement(items, "li")
            target = files.get_file_from_path(DOWNLOADS_PAGE)
            link = etree.SubElement(item, "a", {"href": get_relative_url(target.url, page.url)})
            link.text = "Downloads: PDF, Word and EPUB editions"
        return section

    def _svg_text_sizes(self, chapter_page: ChapterPage) -> list[tuple[float, float] | None]:
        """For each image of a chapter, in order: an SVG's width in user units and its
        smallest font size, read from the file the resource gate allowed."""
        media = self.build_context.rendered.resources.media
        sizes: list[tuple[float, float] | None] = []
        chapter = chapter_page.chapter

        def sources() -> list[str]:
            return [img.get("src") or "" for img in chapter.element.iter("img")]

        # The chapter's images by its render (a walk of the whole chapter, for each of the
        # corpus's 110 pages on every save).
        for src in made_once(digest("img sources", chapter.key), sources) if chapter.key \
                else sources():
            path = media.get(src)
            if path is None or not src.lower().endswith(".svg"):
                sizes.append(None)
                continue
            # Measured once a content in report serve, the file read only when it changed.
            content = file_digest(path)
            sizes.append(made_once(digest("svg text size", content or str(path)),
                                   functools.partial(_svg_file_text_size, path)))
        return sizes

    @event_priority(50)  # before the search plugin's, which writes the index
    def on_post_build(self, config: MkDocsConfig) -> None:
        self._search_in_order()
        for path, data_digest in self._copies.items():  # written by MkDocs by now
            signature = _stat_signature(path)
            if signature is not None:
                _WRITTEN[path] = (data_digest, signature)
        state = self.incremental
        if state is not None and state.current is not None and self._search_index is not None:
            state.current["search"] = {key: _SEARCH_ENTRIES[key]
                                       for key in self._search_keys.values()
                                       if key in _SEARCH_ENTRIES}
        context = self.build_context
        assert context.out_dir is not None
        web.copy_downloads(context.manuscript.manifest, context.out_dir, Path(config.site_dir),
                           context.settling)

    def on_serve(self, server, config: MkDocsConfig, builder):
        """Outside docs_dir, the contributors and the bibliography feed the render too."""
        manuscript: Manuscript = self.build_context.manuscript
        for path in [manuscript.root / "contributors.yaml",
                     *(manuscript.root / name for name in manuscript.manifest.bibliography)]:
            if path.exists():
                server.watch(str(path), recursive=False)
        return server


_KEY_FINDINGS = ".//div[contains(concat(' ', @class, ' '), ' key-findings ')]"


def _home_part(chapter: ChapterHTML) -> tuple[bool, str | None]:
    """What the home page takes of a chapter that holds no recommendation: whether it
    holds key findings (the first such chapter's are copied), and its title."""
    heading = chapter.element.find(".//h1")
    return bool(chapter.element.xpath(_KEY_FINDINGS)), \
        _text(heading) if heading is not None else None


def _ids(chapter: ChapterHTML) -> list[str]:
    """Every id in the chapter, in document order (kept by the chapter's key in ``report
    serve``: a save walks the saved chapter only)."""
    def walk() -> list[str]:
        return [anchor for element in chapter.element.iter()
                if isinstance(element.tag, str) and (anchor := element.get("id"))]

    return made_once(digest("ids", chapter.key), walk) if chapter.key else walk()


# The tree's images and stylesheets as the site copies them, by source file (its size and
# time), and the copies this process wrote: by site path, their bytes' digest and the
# copy's own size and time once written (ReportPlugin._tree_file_copy).
_STRIPPED: dict[str, tuple[tuple[int, int], bytes, str]] = {}
_WRITTEN: dict[str, tuple[str, tuple[int, int]]] = {}


# MkDocs' reading of each chapter file (its front matter), by path, with the file's size
# and time before it was read (ReportPlugin._read_as_before).
_READ: dict[str, tuple[tuple[int, int], dict]] = {}


def _stat_signature(path: str | Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def _not_yet_written(path: str, data_digest: str) -> bool:
    """Whether the site's copy at ``path`` is not (or no longer) the one this process
    wrote with bytes of that digest."""
    written = _WRITTEN.get(path)
    return written is None or written != (data_digest, _stat_signature(path))


def _stripped_copy(source: Path) -> tuple[bytes, str]:
    """``source`` without its metadata, and the digest of that, read again only when the
    file's size or time changed."""
    signature = _stat_signature(source)
    kept = _STRIPPED.get(str(source))
    if kept is None or signature is None or kept[0] != signature:
        data = read_stripped(source)
        kept = (signature or (-1, -1), data, hashlib.sha256(data).hexdigest())
        if signature is not None:
            _STRIPPED[str(source)] = kept
    return kept[1], kept[2]


def _render_empty(page: Page, config: MkDocsConfig, files: Files) -> None:
    """What MkDocs' ``Page.render`` makes of empty Markdown (Python-Markdown returns ""
    for it before any extension runs), without setting up Python-Markdown and its
    extensions: about 0.3 ms a page, for every page on every save of ``report serve``.
    Markdown another plugin left on the page goes through MkDocs' own."""
    if (page.markdown or "").strip():
        Page.render(page, config, files)
        return
    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {}


def _nav_signature(nav: Navigation | None) -> list:
    """Every navigation entry as the theme prints it on every page: title, URL, children."""
    def entry(item) -> list:
        return [item.title, getattr(item, "url", None), getattr(item, "meta", None),
                [entry(child) for child in (getattr(item, "children", None) or [])]]

    return [entry(item) for item in nav] if nav is not None else []


def _toc_signature(items) -> list:
    return [[item.title, item.url, item.level, _toc_signature(item.children)]
            for item in items]


def _page_key(common: str, page: Page) -> str:
    """All that the page's HTML is made from, beside what every page shares (``common``)."""
    meta = {k: v for k, v in page.meta.items() if not (k == "template"
                                                       and v == UNCHANGED_TEMPLATE)}
    parts = [common, page.url, page.title, _content_digest(page.content or ""),
             _toc_signature(page.toc), meta, page.canonical_url, page.edit_url,
             page.is_homepage]
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


# Each page content's hash, by the content: a chapter page's content is the same string
# from save to save (_PAGE_CONTENT), whose lookup here costs nothing once hashed.
_CONTENT_DIGESTS: dict[str, str] = {}


def _content_digest(content: str) -> str:
    found = _CONTENT_DIGESTS.get(content)
    if found is None:
        if len(_CONTENT_DIGESTS) >= 1024:
            _CONTENT_DIGESTS.clear()
        found = _CONTENT_DIGESTS[content] = hashlib.sha256(content.encode()).hexdigest()
    return found


def _page_parts(element: html.HtmlElement) -> tuple[str | None, list[dict], str]:
    """A page's title (its h1), table of contents (as MkDocs' toc tokens) and HTML."""
    heading = element.find(".//h1")
    return (_text(heading) if heading is not None else None, _toc_tokens(element),
            html.tostring(element, encoding="unicode"))


def _shown(page: Page, parts: tuple[str | None, list[dict], str]) -> str:
    """``parts`` (:func:`_page_parts`) set on ``page``; its content."""
    title, tokens, content = parts
    if title is not None:
        page.title = title
    page.toc = get_toc(tokens)  # new entries, made from the tokens without changing them
    return content


def chapter_element(page_of: ChapterPage, page: Page, files: Files, anchors: dict[str, str],
                    pages: dict[str, ChapterPage]) -> html.HtmlElement:
    """A copy of the chapter's render with its links made to work on the site."""
    element = copy.deepcopy(page_of.chapter.element)
    labels = {p.chapter.label: uri for uri, p in pages.items()}
    for tag, attribute in _URL_ATTRIBUTES:
        for node in element.iter(tag):
            value = node.get(attribute)
            if value:
                node.set(attribute, _site_url(value, page_of.src_uri, page, files, anchors,
                                              labels))
    _identify_headings(element)
    return element


def _site_url(value: str, src_uri: str, page: Page, files: Files, anchors: dict[str, str],
              labels: dict[str, str]) -> str:
    """Where ``value`` (as pandoc wrote it, relative to the chapter file) points on the site.

    ``#label`` in another chapter becomes that chapter's page URL and the label (the
    chapter's own label: the page itself); a relative file becomes its URL from this page.
    """
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("/"):
        return value
    if not parts.path:
        anchor = parts.fragment
        target = anchors.get(anchor)
        if target is None or target == src_uri:
            return value
        found = files.get_file_from_path(target)
        if found is None:
            return value
        url = get_relative_url(found.url, page.url)
        return url if labels.get(anchor) == target else f"{url}#{anchor}"
    path = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), parts.path))
    found = files.get_file_from_path(path)
    if found is None:
        return value
    url = get_relative_url(found.url, page.url)
    return f"{url}#{parts.fragment}" if parts.fragment else url


def _identify_headings(element: html.HtmlElement) -> None:
    """Give every heading an id, so that the table of contents and search can point at it.

    The h1 takes the chapter's label (its section's id), which is what cross-references
    to the chapter already use.
    """
    used = {node.get("id") for node in element.iter() if isinstance(node.tag, str)
            and node.get("id")}
    for heading in element.iter(*TOC_LEVELS):
        if heading.get("id"):
            continue
        if heading.tag == "h1" and element.get("id"):
            continue
        base = re.sub(r"[^\w]+", "-", _text(heading).lower()).strip("-") or "section"
        candidate, count = base, 1
        while candidate in used:
            count += 1
            candidate = f"{base}-{count}"
        used.add(candidate)
        heading.set("id", candidate)


def _toc_tokens(element: html.HtmlElement) -> list[dict]:
    """The page's headings as MkDocs' toc tokens (nested by level)."""
    root: list[dict] = []
    stack: list[dict] = []
    for heading in element.iter(*TOC_LEVELS):
        level = int(heading.tag[1])
        anchor = heading.get("id") or (element.get("id") if level == 1 else None)
        if not anchor:
            continue
        token = {"level": level, "id": anchor, "name": htmllib.escape(_text(heading)),
                 "children": []}
        while stack and stack[-1]["level"] >= level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


def number_notes_per_page(element: html.HtmlElement) -> None:
    """Footnotes numbered from 1 on every page, as in print (pandoc numbers them through
    the whole report)."""
    refs = element.xpath(".//a[contains(concat(' ', @class, ' '), ' footnote-ref ')]")
    notes = {li.get("id"): li for li in element.xpath(".//section[@role='doc-endnotes']//li")}
    for number, ref in enumerate(refs, start=1):
        sup = ref.find("sup")
        (sup if sup is not None else ref).text = str(number)
        note = notes.get((ref.get("href") or "").lstrip("#"))
        if note is not None:
            note.set("value", str(number))


def _scroll_region(node: html.HtmlElement, label: str, hint: str, kind: str) -> None:
    """Wrap ``node`` in a focusable region that scrolls sideways, with a hint that says so
    (drawn by CSS from ``data-hint`` while report.js finds the content wider than the
    screen: page furniture, like the stamp, not words of the report; the region's label
    says it to assistive technology)."""
    wrapper = html.Element("div", {"class": f"report-scroll report-scroll-{kind}",
                                   "role": "region", "tabindex": "0", "aria-label": label,
                                   "data-hint": hint})
    node.addprevious(wrapper)
    wrapper.append(node)


def signpost_tables(element: html.HtmlElement) -> None:
    """Every table scrolls sideways in its own region, signposted, never the page."""
    for index, table in enumerate(element.iter("table"), start=1):
        caption = table.find("caption")
        name = _text(caption).rstrip(":") if caption is not None else f"Table {index}"
        number = caption.xpath(".//span[@class='caption-number']") if caption is not None \
            else []
        short = _text(number[0]).rstrip(":") if number else "This table"
        _scroll_region(table, f"{name} (scrolls sideways)",
                       f"{short} is wider than the screen: scroll sideways to see all of it.",
                       "table")


# The smallest text in a figure, as a share of the body text (WCAG 1.4.4 in spirit: a
# chart's labels must stay readable on a phone).
FIGURE_TEXT_MIN = 0.75
_FONT_SIZE = re.compile(rb"font-size\s*[:=]\s*[\"']?\s*([0-9.]+)\s*(px)?")


def svg_text_size(svg: bytes) -> tuple[float, float] | None:
    """(width in user units, smallest font size) of an SVG with text, else None."""
    try:
        root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    sizes = [float(m.group(1)) for m in _FONT_SIZE.finditer(svg) if float(m.group(1)) > 0]
    if not sizes or not any(True for _ in root.iter("{http://www.w3.org/2000/svg}text")):
        return None
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        width = float(view_box[2]) if len(view_box) == 4 else float(
            re.sub(r"[a-z%]+$", "", root.get("width") or ""))
    except ValueError:
        return None
    return width, min(sizes)


def legible_figures(element: html.HtmlElement,
                    sizes: list[tuple[float, float] | None]) -> None:
    """Figures never shrink their text below 75% of the body's: an SVG is given the
    smallest width at which its smallest text is that size (in em, so it follows the
    reader's text size) and scrolls sideways in its own region on a narrower screen.
    ``sizes`` are the chapter's images' in document order."""
    for img, measured in zip(list(element.iter("img")), sizes, strict=False):
        figure = next(img.iterancestors("figure"), None)
        if measured is None or figure is None:
            continue
        width, smallest = measured
        img.set("style", f"min-width: {FIGURE_TEXT_MIN * width / smallest:.2f}em")
        caption = figure.find(".//figcaption")
        number = caption.xpath(".//span[@class='caption-number']") if caption is not None \
            else []
        short = _text(number[0]).rstrip(":") if number else "This figure"
        _scroll_region(img, f"{short} (scrolls sideways)",
                       f"{short} is wider than the screen: scroll sideways to see all of it.",
                       "figure")


def _nav_has(nav, src: str) -> bool:
    if isinstance(nav, str):
        return nav == src
    if isinstance(nav, list):
        return any(_nav_has(item, src) for item in nav)
    if isinstance(nav, dict):
        return any(_nav_has(value, src) for value in nav.values())
    return False


def _text(element: html.HtmlElement) -> str:
    return " ".join("".join(element.itertext()).split())
