"""Converting a generated handbook for opsbook's peers: Hugo, Zola and mdBook.

Each converter writes a complete site folder for its tool from the handbook that
bench/gen_handbook.rs wrote, so that every tool builds the same pages:

- every Markdown body is copied byte for byte (the text after the front matter);
- front matter is kept (Hugo), converted to TOML (Zola) or dropped (mdBook, which would show
  it as text);
- each tool gets its search index, syntax highlighting with CSS classes where it highlights at
  build time, and a minimal set of templates showing the title, the front matter fields, the
  body and a sidebar with the section's pages.

Every step is linear in the number of pages: one pass over the sorted file list, plus a sort.
bench.py caches each converted site beside its handbook (`handbook-N-sS.hugo/` ...) with a
marker naming the handbook and the hash of this file; see bench/README.md for the details and
the reasons behind each choice. Standard library only (Python 3.9+).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

PEERS_SRC = Path(__file__).resolve()

# --------------------------------------------------------------------------------------------
# Reading the handbook


class ConversionError(Exception):
    pass


@dataclass
class Page:
    rel: str  # path under content/, with "/" separators, e.g. "runbooks/svc-01/index.md"
    front: Optional[bytes]  # the front matter lines without the --- lines, or None
    body: bytes  # everything after the closing --- line, byte for byte
    meta: Dict[str, object]

    @property
    def title(self) -> str:
        t = self.meta.get("title")
        if isinstance(t, str) and t:
            return t
        stem = self.rel.rsplit("/", 1)[-1][:-3]
        if stem == "index":
            stem = self.rel.rsplit("/", 2)[-2] if "/" in self.rel else "Home"
        return stem

    @property
    def is_index(self) -> bool:
        return self.rel == "index.md" or self.rel.endswith("/index.md")

    @property
    def folder(self) -> str:
        return self.rel.rsplit("/", 1)[0] if "/" in self.rel else ""


def split_front_matter(data: bytes) -> Tuple[Optional[bytes], bytes]:
    """(front matter, body): front matter runs from a first line `---` to the next line `---`."""
    nl = data.find(b"\n")
    if nl < 0 or data[:nl].rstrip() != b"---":
        return None, data
    start = pos = nl + 1
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl + 1
        if data[pos:end].rstrip() == b"---":
            return data[start:pos], data[end:]
        pos = end
    return None, data


_INT = re.compile(r"-?[0-9]+\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")


def _scalar(text: str, where: str) -> object:
    """One YAML scalar of the subset the generator writes."""
    s = text.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        try:
            return json.loads(s)
        except ValueError as e:
            raise ConversionError(f"{where}: cannot read the string {s}: {e}")
    if len(s) >= 2 and s[0] == "'" and s[-1] == "'":
        return s[1:-1].replace("''", "'")
    if _INT.match(s):
        return int(s)
    m = _DATE.match(s)
    if m:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if s in ("true", "false"):
        return s == "true"
    if s in ("", "~", "null") or s[0] in "[{&*!|>%@`" or ": " in s or " #" in s:
        raise ConversionError(f"{where}: unsupported YAML value {s!r}")
    return s


def _flow_list(text: str, where: str) -> List[object]:
    inner = text.strip()[1:-1]
    items: List[str] = []
    cur = ""
    quote = ""
    for ch in inner:
        if quote:
            cur += ch
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            cur += ch
        elif ch == ",":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur)
    return [_scalar(i, where) for i in items]


def parse_front_matter(front: bytes, where: str) -> Dict[str, object]:
    """Parses the YAML subset of the generated handbooks: `key: scalar`, `key: [a, "b"]` and
    `key:` followed by `  - item` lines. Anything else is an error (the converter must not
    silently lose a field)."""
    meta: Dict[str, object] = {}
    current: Optional[str] = None
    for n, raw in enumerate(front.decode("utf-8").splitlines(), start=2):
        line = raw.rstrip()
        at = f"{where}:{n}"
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith((" ", "\t")):
            item = line.strip()
            if current is None or not item.startswith("- "):
                raise ConversionError(f"{at}: unsupported YAML line {raw!r}")
            lst = meta[current]
            assert isinstance(lst, list)
            lst.append(_scalar(item[2:], at))
            continue
        key, sep, value = line.partition(":")
        if not sep or not re.match(r"[A-Za-z_][A-Za-z0-9_-]*\Z", key):
            raise ConversionError(f"{at}: unsupported YAML line {raw!r}")
        if key in meta:
            raise ConversionError(f"{at}: duplicate key {key}")
        value = value.strip()
        if not value:
            meta[key] = []
            current = key
        elif value.startswith("[") and value.endswith("]"):
            meta[key] = _flow_list(value, at)
            current = None
        else:
            meta[key] = _scalar(value, at)
            current = None
    return meta


def markdown_files(content: Path) -> Tuple[List[str], List[str]]:
    """(Markdown files, other files) under content/, as sorted relative paths with "/"."""
    md: List[str] = []
    other: List[str] = []
    for d, dirs, files in os.walk(content):
        dirs.sort()
        rel_dir = os.path.relpath(d, content).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for f in files:
            (md if f.endswith(".md") else other).append(prefix + f)
    md.sort()
    other.sort()
    return md, other


def read_page(content: Path, rel: str) -> Page:
    data = (content / rel).read_bytes()
    front, body = split_front_matter(data)
    meta = parse_front_matter(front, rel) if front is not None else {}
    return Page(rel=rel, front=front, body=body, meta=meta)


def book_settings(hb: Path) -> Tuple[str, str]:
    """(title, site URL) from the handbook's book.toml (a two-key subset; no TOML parser in 3.9)."""
    title, url = "Handbook", "https://handbook.example/"
    try:
        text = (hb / "book.toml").read_text(encoding="utf-8")
    except OSError:
        return title, url
    m = re.search(r'^title\s*=\s*"([^"\\]*)"', text, re.M)
    if m:
        title = m.group(1)
    m = re.search(r'^site-url\s*=\s*"([^"\\]*)"', text, re.M)
    if m:
        url = m.group(1)
    return title, url


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def toml_str(s: str) -> str:
    # A JSON string is a TOML basic string when non-ASCII stays as is (no surrogate escapes).
    return json.dumps(s, ensure_ascii=False)


def toml_value(v: object, dates_as_strings: bool) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, _dt.date):
        return toml_str(v.isoformat()) if dates_as_strings else v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x, dates_as_strings) for x in v) + "]"
    return toml_str(str(v))


def as_list(v: object) -> List[str]:
    if isinstance(v, list):
        return [str(x) for x in v]
    return [str(v)]


# --------------------------------------------------------------------------------------------
# Hugo

HUGO_CONFIG = """\
baseURL = {url}
title = {title}
languageCode = "en"
# opsbook writes no feed; Hugo's taxonomies stay on (opsbook writes tag and owner pages).
disableKinds = ["RSS"]

[taxonomies]
  tag = "tags"
  owner = "owner"

[frontmatter]
  date = ["last_reviewed", ":default"]

# The search index: index.json on the home page, the way Hugo sites feed Lunr or Fuse.
[outputs]
  home = ["HTML", "JSON"]

[markup.highlight]
  noClasses = false

# The Markdown extensions opsbook enables; none of Goldmark's other defaults.
[markup.goldmark.extensions]
  definitionList = false
  footnote = true
  linkify = false
  strikethrough = true
  table = true
  taskList = true
  typographer = false
"""

HUGO_BASEOF = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "syntax.css" | relURL }}">
</head>
<body>
<nav class="sidebar"><a href="{{ "" | relURL }}">{{ .Site.Title }}</a>
<ul>
{{- with .CurrentSection }}{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{- end }}{{ end }}
</ul></nav>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

HUGO_FIELDS = """\
<dl class="fields">
{{- range $k, $v := .Params }}{{ if not (in (slice "date" "lastmod" "publishdate" "expirydate" "draft" "iscjklanguage" "title") $k) }}
<dt>{{ $k }}</dt><dd>{{ if reflect.IsSlice $v }}{{ delimit $v ", " }}{{ else }}{{ $v }}{{ end }}</dd>
{{- end }}{{ end }}
</dl>
"""

HUGO_SINGLE = """\
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
""" + HUGO_FIELDS + """{{ .Content }}
</article>{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
""" + HUGO_FIELDS + """{{ .Content }}
<ul class="pages">
{{- range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{- end }}
</ul>
</article>{{ end }}
"""

HUGO_404 = """\
{{ define "main" }}<h1>Not found</h1>{{ end }}
"""

# Home, sections and pages: every page made from a Markdown file. Written as one JSON value
# per page (no append in a loop, which would copy the list every time).
HUGO_SEARCH = """\
[{{ range $i, $p := where .Site.Pages "Kind" "in" (slice "home" "section" "page") }}\
{{ if $i }},{{ end }}{{ dict "title" $p.Title "permalink" $p.Permalink "content" $p.Plain | jsonify }}\
{{ end }}]
"""


def convert_hugo(hb: Path, dest: Path) -> int:
    title, url = book_settings(hb)
    content = hb / "content"
    md, other = markdown_files(content)
    write(dest / "hugo.toml", HUGO_CONFIG.format(url=toml_str(url), title=toml_str(title)).encode())
    layouts = dest / "layouts"
    write(layouts / "_default" / "baseof.html", HUGO_BASEOF.encode())
    write(layouts / "_default" / "single.html", HUGO_SINGLE.encode())
    write(layouts / "_default" / "list.html", HUGO_LIST.encode())
    write(layouts / "404.html", HUGO_404.encode())
    write(layouts / "index.json", HUGO_SEARCH.encode())
    for rel in md:
        # Hugo reads the YAML front matter itself: the file is copied whole, only a section's
        # index.md becomes _index.md (a plain index.md would be a leaf bundle).
        name = rel.rsplit("/", 1)
        if name[-1] == "index.md":
            out_rel = (name[0] + "/" if len(name) == 2 else "") + "_index.md"
        else:
            out_rel = rel
        write(dest / "content" / out_rel, (content / rel).read_bytes())
    for rel in other:
        write(dest / "content" / rel, (content / rel).read_bytes())
    return len(md)


# --------------------------------------------------------------------------------------------
# Zola

ZOLA_CONFIG = """\
base_url = {url}
title = {title}
compile_sass = false
build_search_index = true
generate_feeds = false
# opsbook writes tag and owner pages.
taxonomies = [{{ name = "tags" }}, {{ name = "owner" }}]

[search]
include_title = true
include_content = true

[markdown]
smart_punctuation = false
"""

# Code highlighted at build time with CSS classes. Zola 0.22 and later (giallo): the class style
# writes giallo.css into the site.
ZOLA_HIGHLIGHT = """\
[markdown.highlighting]
style = "class"
theme = "catppuccin-latte"
"""

# Zola before 0.22 (syntect): the same, as that version spells it.
ZOLA_HIGHLIGHT_OLD = """\
highlight_code = true
highlight_theme = "css"
"""

ZOLA_BASE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{% block title %}{{ config.title }}{% endblock %}</title>
<link rel="stylesheet" href="{{ get_url(path='giallo.css') | safe }}">
</head>
<body>
<nav class="sidebar"><a href="{{ config.base_url | safe }}">{{ config.title }}</a>
<ul>
{%- block sidebar %}{% endblock %}
</ul></nav>
<main>{% block main %}{% endblock %}</main>
</body>
</html>
"""

ZOLA_FIELDS = """\
<dl class="fields">
{%- for k, v in FIELDS %}
<dt>{{ k }}</dt><dd>{% if v is iterable %}{{ v | join(sep=", ") }}{% else %}{{ v }}{% endif %}</dd>
{%- endfor %}
</dl>
"""

ZOLA_PAGE = """\
{% extends "base.html" %}
{% block title %}{{ page.title }} · {{ config.title }}{% endblock %}
{% block sidebar %}{% set s = get_section(path=page.ancestors | last) %}{% for p in s.pages %}
<li><a href="{{ p.permalink | safe }}">{{ p.title }}</a></li>
{%- endfor %}{% endblock %}
{% block main %}<article>
<h1>{{ page.title }}</h1>
""" + ZOLA_FIELDS.replace("FIELDS", "page.extra") + """{{ page.content | safe }}
</article>{% endblock %}
"""

ZOLA_SECTION = """\
{% extends "base.html" %}
{% block title %}{{ section.title }} · {{ config.title }}{% endblock %}
{% block sidebar %}{% for p in section.pages %}
<li><a href="{{ p.permalink | safe }}">{{ p.title }}</a></li>
{%- endfor %}{% endblock %}
{% block main %}<article>
<h1>{{ section.title }}</h1>
""" + ZOLA_FIELDS.replace("FIELDS", "section.extra") + """{{ section.content | safe }}
<ul class="pages">
{%- for s in section.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}
<li><a href="{{ sub.permalink | safe }}">{{ sub.title }}</a></li>
{%- endfor %}
</ul>
</article>{% endblock %}
"""

ZOLA_TAXONOMY_LIST = """\
{% extends "base.html" %}
{% block main %}<h1>{{ taxonomy.name }}</h1>
<ul>
{%- for term in terms %}
<li><a href="{{ term.permalink | safe }}">{{ term.name }}</a> ({{ term.page_count }})</li>
{%- endfor %}
</ul>{% endblock %}
"""

ZOLA_TAXONOMY_SINGLE = """\
{% extends "base.html" %}
{% block main %}<h1>{{ term.name }}</h1>
<ul>
{%- for p in term.pages %}
<li><a href="{{ p.permalink | safe }}">{{ p.title }}</a></li>
{%- endfor %}
</ul>{% endblock %}
"""


def zola_front_matter(page: Page, section: bool) -> bytes:
    """TOML front matter: title, date (pages: from last_reviewed), [taxonomies] (pages: tags
    and owner) and every other key under [extra] (Zola rejects unknown top-level keys)."""
    lines = ["+++", f"title = {toml_str(page.title)}"]
    if section:
        lines.append('sort_by = "title"')
    else:
        reviewed = page.meta.get("last_reviewed")
        if isinstance(reviewed, _dt.date):
            lines.append(f"date = {reviewed.isoformat()}")
    extra = [(k, v) for k, v in page.meta.items() if k != "title"]
    if not section:
        tax = [(k, as_list(page.meta[k])) for k in ("tags", "owner") if k in page.meta]
        if tax:
            lines.append("[taxonomies]")
            lines += [f"{k} = {toml_value(v, True)}" for k, v in tax]
    if extra:
        lines.append("[extra]")
        lines += [f"{toml_str(k)} = {toml_value(v, True)}" for k, v in extra]
    lines.append("+++")
    return ("\n".join(lines) + "\n").encode("utf-8")


def convert_zola(hb: Path, dest: Path, old_highlight: bool = False) -> int:
    title, url = book_settings(hb)
    content = hb / "content"
    md, other = markdown_files(content)
    config = ZOLA_CONFIG.format(url=toml_str(url.rstrip("/")), title=toml_str(title))
    config += ZOLA_HIGHLIGHT_OLD if old_highlight else "\n" + ZOLA_HIGHLIGHT
    write(dest / "config.toml", config.encode())
    templates = dest / "templates"
    write(templates / "base.html", ZOLA_BASE.encode())
    write(templates / "index.html", ZOLA_SECTION.encode())
    write(templates / "section.html", ZOLA_SECTION.encode())
    write(templates / "page.html", ZOLA_PAGE.encode())
    write(templates / "taxonomy_list.html", ZOLA_TAXONOMY_LIST.encode())
    write(templates / "taxonomy_single.html", ZOLA_TAXONOMY_SINGLE.encode())
    folders_with_index = set()
    for rel in md:
        page = read_page(content, rel)
        name = rel.rsplit("/", 1)
        if name[-1] == "index.md":
            out_rel = (name[0] + "/" if len(name) == 2 else "") + "_index.md"
            folders_with_index.add(page.folder)
            fm = zola_front_matter(page, section=True)
        else:
            out_rel = rel
            fm = zola_front_matter(page, section=False)
        write(dest / "content" / out_rel, fm + page.body)
    # Every folder with pages needs a section (_index.md) in Zola; the generator writes one
    # everywhere, so this only matters for other handbooks.
    for folder in sorted({p.rsplit("/", 1)[0] for p in md if "/" in p} | {""}):
        if folder not in folders_with_index:
            name = folder.rsplit("/", 1)[-1] or title
            write(dest / "content" / folder / "_index.md",
                  f'+++\ntitle = {toml_str(name)}\nsort_by = "title"\n+++\n'.encode())
    for rel in other:
        write(dest / "content" / rel, (content / rel).read_bytes())
    return len(md)


# --------------------------------------------------------------------------------------------
# mdBook

MDBOOK_CONFIG = """\
[book]
title = {title}
language = "en"
src = "src"

[build]
create-missing = false

[output.html]
site-url = "/"

# On by default; spelled out because the benchmark compares search indexes.
[output.html.search]
enable = true
"""


@dataclass
class _Folder:
    index: Optional[Page] = None
    docs: List[Page] = field(default_factory=list)
    subs: Dict[str, "_Folder"] = field(default_factory=dict)

    def weight_key(self, name: str) -> Tuple[int, float, str, str]:
        page = self.index
        return order_key(page.meta.get("weight") if page else None, page.title if page else name, name)


def order_key(weight: object, title: str, tie: str) -> Tuple[int, float, str, str]:
    """opsbook's navigation order: weighted first, by weight; then by title, ignoring case."""
    if isinstance(weight, (int, float)) and not isinstance(weight, bool):
        return (0, float(weight), title.lower(), tie)
    return (1, 0.0, title.lower(), tie)


def summary_link(title: str, rel: str) -> str:
    text = re.sub(r"([\\\[\]*_`<>])", r"\\\1", title)
    return f"[{text}]({rel})"


def mdbook_summary(pages: List[Page]) -> str:
    """SUMMARY.md: the root index.md as a prefix chapter, then each folder's index.md as a
    chapter whose children are the folder's documents and then its sub-folders, each list in
    opsbook's navigation order (weight, then title)."""
    root = _Folder()
    for page in pages:
        node = root
        if page.folder:
            for part in page.folder.split("/"):
                node = node.subs.setdefault(part, _Folder())
        if page.is_index:
            node.index = page
        else:
            node.docs.append(page)

    out: List[str] = ["# Summary", ""]
    if root.index:
        out += [summary_link(root.index.title, root.index.rel), ""]

    def emit(node: _Folder, depth: int) -> None:
        docs = sorted(node.docs, key=lambda p: order_key(p.meta.get("weight"), p.title, p.rel))
        for p in docs:
            out.append("  " * depth + "- " + summary_link(p.title, p.rel))
        for name in sorted(node.subs, key=lambda n: node.subs[n].weight_key(n)):
            sub = node.subs[name]
            label = sub.index.title if sub.index else name
            # A folder without index.md becomes a draft chapter (no page of its own).
            link = summary_link(label, sub.index.rel) if sub.index else f"[{label}]()"
            out.append("  " * depth + "- " + link)
            emit(sub, depth + 1)

    # Top-level documents beside the root index.md, then the sections.
    emit(root, 0)
    return "\n".join(out) + "\n"


def convert_mdbook(hb: Path, dest: Path) -> int:
    title, _ = book_settings(hb)
    content = hb / "content"
    md, other = markdown_files(content)
    write(dest / "book.toml", MDBOOK_CONFIG.format(title=toml_str(title)).encode())
    src = dest / "src"
    pages: List[Page] = []
    for rel in md:
        page = read_page(content, rel)
        # mdBook shows front matter as text: only the body is copied (byte for byte).
        write(src / rel, page.body)
        page.body = b""  # keep only what SUMMARY.md needs in memory
        pages.append(page)
    write(src / "SUMMARY.md", mdbook_summary(pages).encode("utf-8"))
    for rel in other:
        write(src / rel, (content / rel).read_bytes())
    return len(md)


# --------------------------------------------------------------------------------------------
# Caching


def source_sha256() -> str:
    return hashlib.sha256(PEERS_SRC.read_bytes()).hexdigest()


CONVERTERS: Dict[str, Callable[..., int]] = {
    "hugo": convert_hugo,
    "zola": convert_zola,
    "mdbook": convert_mdbook,
}


def ensure_site(kind: str, hb: Path, log: Callable[[str], None], **options: object) -> Path:
    """The converted site for `kind` beside the handbook, converted once and reused while the
    handbook (its .bench-complete marker), this file and the options are unchanged."""
    site = hb.parent / f"{hb.name}.{kind}"
    marker = site / ".bench-complete"
    hb_marker = hb / ".bench-complete"
    want = {
        "kind": kind,
        "handbook": hb_marker.read_text() if hb_marker.exists() else None,
        "peers_sha256": source_sha256(),
        "options": {k: str(v) for k, v in sorted(options.items())},
    }
    if want["handbook"] is not None and marker.exists():
        try:
            if json.loads(marker.read_text()) == want:
                return site
        except ValueError:
            pass
    part = hb.parent / f"{hb.name}.{kind}.part"
    for d in (site, part):
        if d.exists():
            shutil.rmtree(d)
    t0 = time.perf_counter()
    n = CONVERTERS[kind](hb, part, **options)
    part.rename(site)
    marker.write_text(json.dumps(want) + "\n")
    log(f"bench: converted {n} pages for {kind} in {time.perf_counter() - t0:.2f} s → {site}")
    return site


# --------------------------------------------------------------------------------------------
# Search indexes


def search_index_files(kind: str, out: Path) -> List[Path]:
    """The files of a built site that make up its search index (not the search code)."""
    if kind.startswith("opsbook"):
        d = out / "_opsbook" / "search"
        return sorted(p for p in d.rglob("*") if p.is_file()) if d.is_dir() else []
    if kind == "hugo":
        return [p for p in [out / "index.json"] if p.is_file()]
    if kind == "zola":
        return sorted(p for p in out.glob("search_index.*") if p.is_file())
    if kind == "mdbook":
        return sorted(p for p in out.glob("searchindex*") if p.is_file())
    return []
