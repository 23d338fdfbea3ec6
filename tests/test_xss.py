"""Hostile strings (tests/hostile_strings.txt) imported into every shown field come back escaped.

Each string goes through `import_documents` into a page's title, summary, citation and
archival reference text, funder (an organization), and the English and Russian texts;
a curator's edit and a conflicting re-import put it in the history and the
curated-fields panel; people (whose imported names cannot hold markup) carry it as a
display name and a variant. Every public page and download and the curators' admin pages
are then rendered and compared with the same fixture built from harmless strings: the
hostile site must have exactly the tags and attributes of the harmless one — no new
`<script>`, `<img>`, `<svg>`, event handler, unquoted attribute or `javascript:` link.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from markupsafe import escape  # the public pages are Jinja2's, escaped by MarkupSafe

from catalogue.models import Document
from people.models import Organization, Person, PersonName

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "hostile_strings.txt"
HOSTILE = [
    line
    for line in CORPUS.read_text(encoding="utf-8").split("\n")
    if line and not line.startswith("## ")
]
# One word each: a search for one finds its own page only, as most hostile ones do.
HARMLESS = [f"harmless{i}x" for i in range(len(HOSTILE))]

# A markdown-mirror page: title, citation with a reference, URL, summary, funder, text.
MIRROR_PAGE = """

# October 25, 1950 T{i} {s}

#### Citation:

"T{i} {s}", October 25, 1950, Wilson Center Digital Archive, RGASPI, f. 558, op. 11, d. 98, ll. 1-2 {s}. Contributed by Sergey Radchenko and translated by Gary O'Brien-D’Arcy.

https://digitalarchive.wilsoncenter.org/document/{external_id}

## **Summary:**

Summary {i} {s} end.

### **Credits:**

This document was made possible with support from Foundation {i} {s} Fund

# **Original Language:**

Russian

#### Contents:

Translation - English

English text {i}: {s} ends here.
"""
# The current layout, whose URL line is a javascript: link: it must never become an href.
SCRIPT_URL_PAGE = """

October 25, 1950

Script URL page {s}

Citation:

"Script URL page", October 25, 1950, Wilson Center Digital Archive, APRF, Fond 3, Opis 65, Delo 827, Listy 141-143.

<javascript:alert(1)>

Summary:

A page whose source link is a script.

Original Language:

Russian

Contents:

Original Scan

Translation - English

Оригинал {s} текст документа.

English text of the document {s}.
"""

# Tags an injection would add: every one in the hostile site must be, character for
# character, one the harmless site has too (the admin's icons, the site's scripts).
RAW_TAG = re.compile(
    r"<(?:script|img|svg|iframe|math|style|body|details|object|embed|base|form)\b[^>]*>",
    re.IGNORECASE,
)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "content")
SCRIPT_SCHEME = r"\s*(javascript|data|vbscript):"
# An attribute in a start tag: name, then optionally = and a quoted or bare value.
ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


class Tags(HTMLParser):
    """Tag names, attribute names, unquoted values and script-like URLs of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[str] = Counter()
        self.unquoted: list[str] = []
        self.script_urls: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        raw = self.get_starttag_text() or ""
        for name, value in attrs:
            self.attributes[name] += 1
            if name in URL_ATTRIBUTES and re.match(SCRIPT_SCHEME, value or "", re.IGNORECASE):
                self.script_urls.append(f"{name}={value}")
            if tag == "meta" and name == "content" and dict(attrs).get("name"):
                self.meta.setdefault(dict(attrs)["name"], value or "")
        inner = raw[len(tag) + 1 :].rstrip(">").rstrip("/")
        self.unquoted += [
            m.group(0)
            for m in ATTRIBUTE.finditer(inner)
            if m.group(2) and m.group(2)[0] not in "\"'"
        ]

    handle_startendtag = handle_starttag


def shape(html: str) -> dict:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return {
        "tags": set(parser.tags),
        "attributes": set(parser.attributes),
        "raw_tags": set(RAW_TAG.findall(html)),
        "unquoted": len(parser.unquoted),
        "script_urls": parser.script_urls,
        "meta": parser.meta,
    }


def import_pages(folder: Path) -> str:
    out = StringIO()
    with contextlib.suppress(SystemExit):
        call_command("import_documents", str(folder), stdout=out, stderr=out)
    return out.getvalue()


def build(strings: list[str], tmp: Path) -> dict[str, object]:
    """Import one page per string, edit, re-import; return {key: URL} of every page to check."""
    folder = tmp / "pages"
    folder.mkdir(parents=True)
    for i, s in enumerate(strings):
        page = MIRROR_PAGE.format(i=i, s=s, external_id=910_000 + i)
        (folder / f"p{i:03d}.txt").write_text(page, encoding="utf-8")
    (folder / "script_url.txt").write_text(SCRIPT_URL_PAGE.format(s=strings[0]), encoding="utf-8")
    output = import_pages(folder)
    assert f"created {len(strings) + 1}," in output, output

    documents = {d.external_id: d for d in Document.objects.all()}
    people = []
    for i, s in enumerate(strings):
        document = documents[str(910_000 + i)]
        # A curator's edit (history with a diff), then a re-import that conflicts with it.
        document.title = f"Curated {i} {s}"
        document.curated_fields = ["title"]
        document.save()
        # Names (and the sort names made from them) are at most 255 characters.
        person = Person.objects.create(name=f"P{i} {s}"[:200], needs_review=True, description=s)
        PersonName.objects.create(person=person, name=f"V{i} {s}"[:200])
        document.person_links.create(person=person, role="mentioned")
        people.append(person)
    for i in range(len(strings)):
        page = folder / f"p{i:03d}.txt"
        page.write_text(page.read_text(encoding="utf-8") + "\nA second scrape.\n", "utf-8")
    assert f"updated {len(strings)}," in import_pages(folder)
    for i, s in enumerate(strings):
        # An import's value a curator dismissed, which the curation panel shows too.
        Document.objects.filter(pk=documents[str(910_000 + i)].pk).update(
            dismissed_conflicts={"summary": f"D{i} {s}"}
        )

    keyed = {}
    for i in range(len(strings)):
        d = documents[str(910_000 + i)]
        keyed[f"doc{i}"] = d.pk
        keyed[f"person{i}"] = people[i].pk
        org = Organization.objects.filter(name__startswith=f"Foundation {i} ").first()
        keyed[f"org{i}"] = org.pk if org else None
    keyed["script_url"] = Document.objects.get(source_file="script_url.txt")
    return keyed


# The parser's own normalisation, not an escaping matter: zero-width and line-separator
# characters are dropped or become line breaks, ";" (and a quote) ends a reference, ";"
# or "," a funder's name.
NORMALISED_CHARS = "\u200b\u200c\u200d\ufeff\u2028\u2029"


def kept_verbatim(s: str, field: str) -> bool:
    if any(ch in s for ch in NORMALISED_CHARS):
        return False
    if field == "reference" and (";" in s or '"' in s):
        return False
    if field == "funder" and (";" in s or "," in s):
        return False
    if field in ("title", "conflict") and s.endswith(";"):
        return False
    return not (field == "funder" and len(s) > 200)


def facts(keyed: dict, strings: list[str]) -> dict:
    """Where each string ended up in the database, read back after the import."""
    found = {"script_source_url": keyed["script_url"].source_url, "missing": []}
    for i, s in enumerate(strings):
        document = Document.objects.get(pk=keyed[f"doc{i}"])
        texts = " ".join(document.texts.values_list("text", flat=True))
        references = " ".join(document.references.values_list("text", flat=True))
        org = Organization.objects.filter(pk=keyed[f"org{i}"]).first()
        checks = {
            "title": document.title == f"Curated {i} {s}",
            "conflict": document.import_conflicts.get("title") == f"T{i} {s}",
            "summary": s in document.summary,
            "citation": s in document.citation,
            "reference": s in references,
            "text": s in texts,
            "funder": org is not None and s in org.name,
        }
        found["missing"] += [
            (name, s[:40]) for name, ok in checks.items() if not ok and kept_verbatim(s, name)
        ]
    return found


def page_urls(keyed: dict, strings: list[str]) -> dict[str, tuple[str, str | None]]:
    """{key: (url, expected content type prefix)}"""
    urls: dict[str, tuple[str, str | None]] = {
        "home": ("/", "text/html"),
        "list": ("/documents/", "text/html"),
        "list-q-text": ("/documents/?q=text", "text/html"),
        "list-q-summary": ("/documents/?q=summary+end", "text/html"),
        "list.json": ("/documents.json?q=text", "application/json"),
        "list.csv": ("/documents.csv", "text/csv"),
        "list.ris": ("/documents.ris", "application/x-research-info-systems"),
        "list.bib": ("/documents.bib", "application/x-bibtex"),
        "list.csl.json": ("/documents.csl.json", "application/vnd.citationstyles.csl+json"),
        "people": ("/people/", "text/html"),
        "organizations": ("/organizations/", "text/html"),
        "repositories": ("/repositories/", "text/html"),
        "repository": ("/repositories/RGASPI/", "text/html"),
        "admin-documents": (reverse("admin:catalogue_document_changelist"), "text/html"),
        "admin-people": (reverse("admin:people_person_changelist"), "text/html"),
        "admin-review": (
            reverse("admin:people_person_changelist") + "?needs_review__exact=1",
            "text/html",
        ),
        "admin-organizations": (reverse("admin:people_organization_changelist"), "text/html"),
        "admin-variants": (reverse("admin:people_personname_changelist"), "text/html"),
    }
    for name in ("person", "organization", "language", "repository", "type", "classification"):
        urls[f"facet-{name}"] = (f"/documents/facets/{name}/", "text/html")
    script_doc = keyed["script_url"]
    urls["script-url-doc"] = (script_doc.get_absolute_url(), "text/html")
    for i, s in enumerate(strings):
        pk = keyed[f"doc{i}"]
        document = Document.objects.get(pk=pk)
        q = urlencode({"q": s})
        urls[f"list-q{i}"] = (f"/documents/?{q}", "text/html")
        urls[f"facet-q{i}"] = (
            "/documents/facets/organization/?" + urlencode({"facet_q": s[:100]}),
            "text/html",
        )
        urls[f"doc{i}"] = (document.get_absolute_url(), "text/html")
        urls[f"doc{i}.json"] = (f"/documents/{pk}.json", "application/json")
        urls[f"doc{i}.ris"] = (f"/documents/{pk}.ris", "application/x-research-info-systems")
        urls[f"doc{i}.bib"] = (f"/documents/{pk}.bib", "application/x-bibtex")
        urls[f"doc{i}.csl"] = (f"/documents/{pk}.csl.json", "application/vnd.citationstyles")
        urls[f"admin-doc{i}"] = (
            reverse("admin:catalogue_document_change", args=[pk]),
            "text/html",
        )
        urls[f"admin-doc{i}-history"] = (
            reverse("admin:catalogue_document_history", args=[pk]),
            "text/html",
        )
        urls[f"admin-doc{i}-q"] = (
            reverse("admin:catalogue_document_changelist") + "?" + q,
            "text/html",
        )
        person = Person.objects.get(pk=keyed[f"person{i}"])
        urls[f"person{i}"] = (person.get_absolute_url(), "text/html")
        urls[f"admin-person{i}"] = (
            reverse("admin:people_person_change", args=[person.pk]),
            "text/html",
        )
        urls[f"admin-person{i}-history"] = (
            reverse("admin:people_person_history", args=[person.pk]),
            "text/html",
        )
        if keyed[f"org{i}"]:
            org = Organization.objects.get(pk=keyed[f"org{i}"])
            urls[f"org{i}"] = (org.get_absolute_url(), "text/html")
            urls[f"admin-org{i}"] = (
                reverse("admin:people_organization_change", args=[org.pk]),
                "text/html",
            )
    return urls


def render(client, urls) -> dict[str, tuple[int, str, str]]:
    pages = {}
    for key, (url, _) in urls.items():
        response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        # Downloads must not be sniffed into HTML: the type, with nosniff.
        content_type = response["Content-Type"]
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            content_type += "; sniffable"
        pages[key] = (response.status_code, content_type, body.decode("utf-8"))
    return pages


_BUILT: dict[str, dict] = {}


@pytest.fixture
def sites(staff_client, tmp_path):
    """The same site built from harmless strings, then from hostile ones; built once a run.

    Each build is rolled back; what the tests read (rendered pages, where each string
    landed) is kept, so that the two imports and a few thousand requests happen once.
    """
    from django.db import connection

    vendor = connection.vendor
    if vendor not in _BUILT:
        built = {}
        for label, strings in (("harmless", HARMLESS), ("hostile", HOSTILE)):
            with transaction.atomic():
                keyed = build(strings, tmp_path / label)
                urls = page_urls(keyed, strings)
                built[label] = (urls, render(staff_client, urls), facts(keyed, strings))
                transaction.set_rollback(True)
        _BUILT[vendor] = built
    return _BUILT[vendor]


def test_hostile_strings_reach_the_database(sites):
    """Guards the other checks: the strings really are in every field they claim to be."""
    assert sites["hostile"][2]["missing"] == []


# The site's own markup that varies with the content (linebreaks, highlighted search
# terms, paging): no string of the corpus is one of these tags.
VARYING = {"br", "p", "code", "mark", "aria-current"}


def kind(key: str) -> str:
    """Pages of one kind (every document page, every person's admin page …) share a baseline."""
    return re.sub(r"\d+", "#", key)


def test_no_hostile_markup_is_rendered(sites):
    harmless_urls, harmless, _ = sites["harmless"]
    urls, hostile, _ = sites["hostile"]
    # Funders the parser cut at a ";" have no organization page (see kept_verbatim).
    assert set(urls) <= set(harmless_urls)
    baseline: dict[str, dict] = {}
    raw_tags: set[str] = set()
    for key, (status, _, html) in harmless.items():
        if status != 200 or harmless_urls[key][1] != "text/html":
            continue
        got = shape(html)
        raw_tags |= got["raw_tags"]
        base = baseline.setdefault(kind(key), {"tags": set(), "attributes": set(), "unquoted": 0})
        base["tags"] |= got["tags"]
        base["attributes"] |= got["attributes"]
        base["unquoted"] = max(base["unquoted"], got["unquoted"])
    problems = []
    for key, (status, content_type, html) in hostile.items():
        expected_type = urls[key][1]
        if status != 200 or harmless[key][0] != 200:
            problems.append((key, "status", status, harmless[key][0]))
            continue
        if not content_type.startswith(expected_type):
            problems.append((key, "content type", content_type))
        if expected_type != "text/html":
            continue  # downloads and data: never HTML, never sniffed into HTML (nosniff)
        got, want = shape(html), baseline[kind(key)]
        for name in ("tags", "attributes"):
            if got[name] - want[name] - VARYING:
                problems.append((key, f"new {name}", sorted(got[name] - want[name])))
        if got["raw_tags"] - raw_tags:
            problems.append((key, "raw tags", sorted(got["raw_tags"] - raw_tags)))
        if got["unquoted"] > want["unquoted"]:
            problems.append((key, "unquoted attribute values", got["unquoted"]))
        if got["script_urls"]:
            problems.append((key, "script URL", got["script_urls"]))
    assert problems == []


def test_downloads_are_not_html_and_round_trip(sites):
    urls, pages, keyed = sites["hostile"]
    for i, s in enumerate(HOSTILE):
        for suffix in (".json", ".ris", ".bib", ".csl"):
            status, content_type, body = pages[f"doc{i}{suffix}"]
            assert status == 200
            assert "html" not in content_type and "sniffable" not in content_type
        record = json.loads(pages[f"doc{i}.json"][2])
        assert record["title"] == f"Curated {i} {s}"
        assert s in (record["summary"] or "") or not kept_verbatim(s, "summary")
        csl = json.loads(pages[f"doc{i}.csl"][2])
        assert csl[0]["title"] if isinstance(csl, list) else csl["title"]
    listing = json.loads(pages["list.json"][2])
    assert listing["count"] >= 1


def test_document_page_meta_tags_and_json_ld_round_trip(sites):
    urls, pages, keyed = sites["hostile"]
    for i, s in enumerate(HOSTILE):
        html = pages[f"doc{i}"][2]
        title = f"Curated {i} {s}"
        # Shown once-escaped: neither raw nor double-escaped.
        assert f"<h1>{escape(title)}</h1>" in html, s[:40]
        # Meta tags carry the title on one line.
        assert shape(html)["meta"].get("citation_title") == " ".join(title.split())
        blocks = re.findall(
            r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.DOTALL
        )
        assert len(blocks) == 1
        block = blocks[0]
        assert "</script" not in block.lower() and "<!--" not in block
        data = json.loads(block)
        # Exact, but for line and paragraph separators, which JSON-LD has as spaces too.
        assert data["name"] == " ".join(title.split()), data


def test_a_script_source_url_is_never_a_link(sites):
    urls, pages, found = sites["hostile"]
    assert not found["script_source_url"].lower().startswith("javascript")
    html = pages["script-url-doc"][2]
    assert 'href="javascript:' not in html.lower()
    assert shape(html)["script_urls"] == []
