"""Full-text search over documents, one interface for two databases.

- PostgreSQL: a stored, weighted tsvector on `Document.search_vector` (title A,
  summary B, translations C, original transcriptions D; each text analysed with
  its language's configuration: russian for ru, english for en, simple for the
  rest, each of them folding accents first: "Rakosi" finds "Rákosi", "Gomulka"
  "Gomułka", "Хрущев" "Хрущёв") behind a GIN index; `websearch_to_tsquery` (see `_pg_query`)
  understands "quoted phrases", `or` and `-word`; `ts_rank` ranks; `ts_headline` runs
  for the page's rows only.
- SQLite: an FTS5 table `catalogue_document_fts` (porter unicode61: English
  stemming, case and the diacritics Unicode decomposes folded) with the same four
  columns, each written through `fts_fold` first for the letters FTS5 keeps (ł, ø,
  đ, ё: "Gomulka" finds "Gomułka", "Хрущев" "Хрущёв", as on PostgreSQL); bm25 ranks
  with the same column order of importance; `snippet()` highlights, and its excerpt
  is put back in the source's own letters.

Both go through `search_documents(queryset, q)` (filter + `rank` annotation)
and `snippets(documents, q)`. A name written in any of its variants also finds
the documents linked to the person or organization it names (`matching_names`).

The index is kept in step by `update_search_index(document_ids)`: the post_save
and post_delete signals below call it for every Document and Translation write
(admin, importer, shell alike); `deferred_search_index()` batches those calls
for bulk writers such as the importer.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, connections, router
from django.db.backends.signals import connection_created
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.signals import post_delete, post_save
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalogue.budget import local_setting
from catalogue.pagination import planned_rows
from people.accents import ONE_FOR_ONE, strip_latin_accents

FTS_TABLE = "catalogue_document_fts"
# Title, summary, translations, originals: the same order of importance as the
# PostgreSQL weights A–D.
BM25_WEIGHTS = "10.0, 5.0, 2.0, 1.0"
TITLE_BONUS = 1.0
# Private-use sentinels mark hits in snippets: the text is escaped first, then
# these become <mark>…</mark>, so no source text is ever trusted as HTML.
START, STOP = "\x01", "\x02"
# PostgreSQL's text search configurations with accents folded first (migration 0010:
# `unaccent`, then the configuration's own dictionary): for English and Russian texts,
# for texts in other languages (no stemming), and for queries (see `_pg_query`).
PG_CONFIGS = {"en": "english_unaccent", "ru": "russian_unaccent"}
PG_OTHER_CONFIG = "simple_unaccent"
PG_QUERY_CONFIG = PG_CONFIGS["ru"]
# A name-variant match ranks above any full-text hit.
NAME_MATCH_BONUS = 1.0
# The letters FTS5's unicode61 tokenizer leaves as they are (its remove_diacritics strips
# only the marks Unicode decomposes a letter into) but PostgreSQL's unaccent folds: the
# Latin letters with a stroke or a slash, and Russian ё, which texts and readers write
# as е. One letter for one, so a folded text keeps its length (see `_in_source_letters`).
_FTS_FOLD = str.maketrans({**ONE_FOR_ONE, "ё": "е", "Ё": "Е"})
# The SQL function, on every SQLite connection, that folds the texts the index is given.
FTS_FOLD_FUNCTION = "catalogue_fts_fold"
ELLIPSIS = "…"


# ── the index ──────────────────────────────────────────────────────────────


def pg_search_vector_sql(document: str) -> str:
    """The search vector of the document row named `document` in a query, from its title,
    summary and texts (PostgreSQL)."""
    config = "CASE t.language {} ELSE '{}'::regconfig END".format(
        " ".join(f"WHEN '{code}' THEN '{cfg}'::regconfig" for code, cfg in PG_CONFIGS.items()),
        PG_OTHER_CONFIG,
    )
    english = PG_CONFIGS["en"]
    return f"""
            setweight(to_tsvector('{english}', coalesce({document}.title, '')), 'A')
            || setweight(to_tsvector('{english}', coalesce({document}.summary, '')), 'B')
            || coalesce((
                SELECT catalogue_tsvector_agg(
                    setweight(
                        to_tsvector({config}, t.text),
                        CASE t.kind WHEN 'original' THEN 'D' ELSE 'C' END::"char"
                    ) ORDER BY t.position, t.id
                )
                FROM catalogue_translation t WHERE t.document_id = {document}.id
            ), ''::tsvector)"""


def _pg_index_sql(where: str) -> str:
    vector = pg_search_vector_sql("d")
    return f"UPDATE catalogue_document d SET search_vector = {vector} WHERE {where}"


def fts_fold(text: str | None) -> str | None:
    """`text` with the letters FTS5 does not fold made plain (Gomułka → Gomulka,
    Хрущёв → Хрущев), every other character as it is; the same length."""
    return text.translate(_FTS_FOLD) if text else text


def _sqlite_index_sql(where: str) -> tuple[str, str]:
    fold = FTS_FOLD_FUNCTION
    texts = (
        f"{fold}(coalesce((SELECT group_concat(t.text, char(10)) FROM catalogue_translation t"
        " WHERE t.document_id = d.id AND t.kind = '{kind}'), ''))"
    )
    delete = f"DELETE FROM {FTS_TABLE} WHERE {where.replace('d.id', 'rowid')}"
    insert = f"""
        INSERT INTO {FTS_TABLE} (rowid, title, summary, translations, originals)
        SELECT d.id, {fold}(d.title), {fold}(d.summary), {texts.format(kind="translation")},
               {texts.format(kind="original")}
        FROM catalogue_document d WHERE {where}
    """
    return delete, insert


def _add_fold_function(sender, connection, **kwargs) -> None:
    # Every SQLite connection Django opens can write the index (a save's signal, a
    # migration's rebuild), so every one of them gets the function.
    if connection.vendor == "sqlite":
        connection.connection.create_function(FTS_FOLD_FUNCTION, 1, fts_fold, deterministic=True)


def _write_index(cursor, where: str, params: list) -> None:
    if cursor.db.vendor == "postgresql":
        cursor.execute(_pg_index_sql(where), params)
    elif cursor.db.vendor == "sqlite":
        for sql in _sqlite_index_sql(where):
            cursor.execute(sql, params)


@dataclass
class _Deferral:
    depth: int = 0
    ids: set[int] = field(default_factory=set)


_deferral = threading.local()


def _pending() -> _Deferral:
    if not hasattr(_deferral, "state"):
        _deferral.state = _Deferral()
    return _deferral.state


def update_search_index(document_ids: Iterable[int]) -> None:
    """Re-index these documents (and drop deleted ones) from the database as it is now."""
    ids = sorted({int(pk) for pk in document_ids if pk is not None})
    if not ids:
        return
    pending = _pending()
    if pending.depth:
        pending.ids.update(ids)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            _write_index(cursor, f"d.id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def rebuild_search_index() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
        _write_index(cursor, "1 = 1", [])


@contextlib.contextmanager
def deferred_search_index() -> Iterator[None]:
    """Collect index updates inside the block and write each document once at its end."""
    pending = _pending()
    pending.depth += 1
    try:
        yield
    except BaseException:
        # The block's transaction is being rolled back: its documents are not there to index.
        pending.depth -= 1
        if not pending.depth:
            pending.ids = set()
        raise
    pending.depth -= 1
    if not pending.depth:
        ids, pending.ids = pending.ids, set()
        update_search_index(ids)


def _document_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        update_search_index([instance.pk])


def _text_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        update_search_index([instance.document_id])


def _document_deleted(sender, instance, **kwargs) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [instance.pk])


def connect_signals() -> None:
    from catalogue.models import Document, Translation

    post_save.connect(_document_saved, sender=Document, dispatch_uid="search-document")
    post_save.connect(_text_changed, sender=Translation, dispatch_uid="search-text-saved")
    post_delete.connect(_text_changed, sender=Translation, dispatch_uid="search-text-deleted")
    post_delete.connect(_document_deleted, sender=Document, dispatch_uid="search-doc-deleted")
    connection_created.connect(_add_fold_function, dispatch_uid="search-fts-fold")


# ── queries ────────────────────────────────────────────────────────────────

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(q: str) -> str | None:
    """The researcher's query in FTS5 syntax, with the meaning websearch_to_tsquery gives it.

    Every word is quoted (so no input is FTS5 syntax), "quoted phrases" stay
    phrases, `or` between terms means OR, a leading `-` excludes. None when
    nothing searchable is left. Its letters are folded as the index's are (`fts_fold`).
    """
    groups: list[list[str]] = [[]]
    negated: list[str] = []
    for match in _TOKEN.finditer(fts_fold(q)):
        sign, phrase, bare = match.groups()
        if bare is not None and bare.casefold() == "or":
            if groups[-1]:
                groups.append([])
            continue
        if bare is not None and bare.startswith("-"):
            sign, bare = "-", bare[1:]
        words = _WORD.findall(phrase if phrase is not None else bare)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        (negated if sign else groups[-1]).append(term)
    groups = [g for g in groups if g]
    if not groups:
        return None
    expression = " OR ".join("(" + " AND ".join(g) + ")" for g in groups)
    return f"({expression})" + "".join(f" NOT {term}" for term in negated)


class _Fts5Rank(Func):
    """bm25 of one document for the query (higher is better).

    bm25's length normalisation lets a short summary outrank a long title, so a
    hit in the title adds a fixed bonus, as weight A does on PostgreSQL.

    Each of the two is read from the query's hits, listed once (`LIMIT -1` keeps
    SQLite from folding the list into each row's lookup, which would run the MATCH
    once per row) and looked up through SQLite's automatic index: for a word in
    2,844 of 3,000 documents, 5 ms against 390 ms with a MATCH per row.
    """

    output_field = FloatField()

    def __init__(self, match: str):
        super().__init__(F("pk"), Value(match), Value(f"title : ({match})"))

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        match_sql, match_params = compiler.compile(self.source_expressions[1])
        title_sql, title_params = compiler.compile(self.source_expressions[2])
        scores = (
            f"SELECT rowid AS id, -bm25({FTS_TABLE}, {BM25_WEIGHTS}) AS score"
            f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {match_sql} LIMIT -1"
        )
        in_title = (
            f"SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {title_sql} LIMIT -1"
        )
        sql = (
            f"((SELECT hit.score FROM ({scores}) AS hit WHERE hit.id = {pk_sql})"
            f" + coalesce((SELECT {TITLE_BONUS} FROM ({in_title}) AS hit"
            f" WHERE hit.id = {pk_sql}), 0))"
        )
        return sql, (*match_params, *pk_params, *title_params, *pk_params)


class _Fts5Match(Func):
    """`pk IN (documents the FTS5 table matches)`, usable in filter() and When()."""

    output_field = BooleanField()

    def __init__(self, match: str):
        super().__init__(F("pk"), Value(match))

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        match_sql, match_params = compiler.compile(self.source_expressions[1])
        sql = f"{pk_sql} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {match_sql})"
        return sql, (*pk_params, *match_params)


def _pg_query(q: str) -> SearchQuery:
    # PostgreSQL's russian configuration stems Latin-script words with the English
    # stemmer and Cyrillic ones with the Russian: one query meets both halves of the
    # index. (OR-ing one query per configuration would break `-word`: a word stemmed
    # one way is "absent" from a vector holding the other stem.) Other scripts pass
    # through unstemmed, as the 'simple' configuration indexed them.
    # Accents are folded as in the index. Latin letters' are folded here, before the
    # words are typed: "régime" becomes an ASCII word, stemmed as English ("regim") as the
    # index stemmed it; left to the configuration, it stays a non-ASCII word, which the
    # russian configuration's Russian stemmer would pass unstemmed ("regime").
    return SearchQuery(_pg_folded(q), config=PG_QUERY_CONFIG, search_type="websearch")


def _pg_folded(q: str) -> str:
    return strip_latin_accents(unicodedata.normalize("NFC", q))


def _pg_headline_query(q: str) -> SearchQuery:
    # ts_headline parses the excerpt's text with the query's (russian) configuration,
    # which stems a word with accented Latin letters as Russian, that is not at all
    # ("Đilas" → "dilas"), where the index and the query stem it as English ("dila"):
    # the words unstemmed as well let such a hit be marked. (Only what is marked changes:
    # which documents match is the search's, before.)
    unstemmed = SearchQuery(_pg_folded(q), config=PG_OTHER_CONFIG, search_type="websearch")
    return _pg_query(q) | unstemmed


def _text_match(q: str) -> tuple[Q, object]:
    """(a filter for full-text hits, an expression ranking them) for this database."""
    if connection.vendor == "postgresql":
        query = _pg_query(q)
        return Q(search_vector=query), SearchRank(F("search_vector"), query)
    match = fts5_query(q)
    if match is None:
        return Q(pk__in=[]), Value(0.0)
    return Q(_Fts5Match(match)), _Fts5Rank(match)


# "Gromyko A.A.", "Громыко А. А.": initials after the surname, as Russian lists write them.
_SURNAME_THEN_INITIALS = re.compile(r"(\w[\w'’-]*)\s+((?:\w\.\s*)+)")


def name_keys(q: str) -> set[str]:
    """Spellings of `q` to look up among name variants: "A.A. Gromyko", "A. A. Gromyko",
    and the same name in a list's order ("Gromyko, Andrei", "Gromyko A.A.")."""
    text = unicodedata.normalize("NFC", q).strip().strip('"').strip()
    forms = {text}
    surname, comma, given = text.partition(",")
    if comma and surname.strip() and given.strip() and "," not in given:
        forms.add(f"{given.strip()} {surname.strip()}")
    if found := _SURNAME_THEN_INITIALS.fullmatch(text):
        forms.add(f"{found.group(2).strip()} {found.group(1)}")
    return {key for form in forms for key in _spellings(form)}


def _spellings(name: str) -> set[str]:
    """The keys of one written form: its initials spaced, joined, without their dots."""
    from people.models import variant_key

    base = variant_key(name)
    if not base:
        return set()
    spaced = variant_key(re.sub(r"\.\s*", ". ", base))
    # Initials written together: "a. a. gromyko" → "a.a. gromyko".
    joined = re.sub(r"\.\s+(?=\w\.)", ".", spaced)
    keys = {
        base,
        spaced,
        joined,
        variant_key(base.replace(".", " ")),
        variant_key(base.replace(".", "")),
    }
    keys |= {variant_key(k.replace("-", " ")) for k in list(keys)}
    keys |= {k.replace("-", "") for k in list(keys)}
    return {k for k in keys if k}


@dataclass
class NameMatches:
    people: list = field(default_factory=list)
    organizations: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.people or self.organizations)


def matching_names(q: str) -> NameMatches:
    """People and organizations `q` names in one of their spellings (two queries)."""
    from people.models import Organization, Person, search_key

    keys = name_keys(q)
    if not keys or len(q) > 200:
        return NameMatches()
    # Compared without accents, as the full text is: "Gero" names Ernő Gerő.
    folded = {search_key(key) for key in keys}
    people = Q(variants__search_key__in=folded) | Q(search_key__in=folded)
    organizations = (
        Q(variants__search_key__in=folded)
        | Q(search_key__in=folded)
        | Q(abbreviation__iexact=q.strip())
    )
    for key in folded:
        if " " not in key and len(key) >= 3:
            # A surname alone ("Громыко", "Gromyko") names the person too.
            people |= Q(variants__search_key__endswith=" " + key) | Q(
                search_key__endswith=" " + key
            )
    return NameMatches(
        people=list(Person.objects.filter(people).distinct().order_by("sort_name", "id")[:10]),
        organizations=list(
            Organization.objects.filter(organizations).distinct().order_by("name", "id")[:10]
        ),
    )


# Up to this many hits, a search is run once per request and its ids passed to the
# page, count and facet queries as one array (PostgreSQL); beyond it each query
# repeats the index scan, which is then cheaper than shipping the ids around.
HIT_LIST_MAX = 100_000
# Beyond this many hits PostgreSQL results are sorted by date rather than ranked:
# ranking reads every hit's stored vector (15–20 µs each with the table in memory; at
# 100,000 documents 186 ms for a 10,000-hit word, against 4 ms in date order), so a
# bound on the hits ranked is a bound on the page (~90 ms at 5,000).
RANK_MAX = 5_000


class IdArray(str):
    """Ids written once as a PostgreSQL array literal ("{1,2,3}"), for AnyId.

    Passed as a list, each id would be quoted by psycopg in Python on every query that
    uses them: ~150 ms per query for 100,000 ids. As one string it is quoted at C speed.
    """

    @classmethod
    def of(cls, ids: Iterable[int]) -> IdArray:
        return cls("{" + ",".join(str(int(pk)) for pk in ids) + "}")

    def ids(self) -> list[int]:
        return list(map(int, self[1:-1].split(","))) if len(self) > 2 else []


class AnyId(Func):
    """`pk = ANY(%s)` (or another column's): thousands of ids as one array parameter, not
    one placeholder each."""

    output_field = BooleanField()

    def __init__(self, ids: IdArray | Iterable[int], column: str = "pk"):
        array = ids if isinstance(ids, IdArray) else IdArray.of(ids)
        super().__init__(F(column), Value(str(array)))

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        array = self.source_expressions[1].value
        return f"{pk_sql} = ANY(%s::bigint[])", (*pk_params, array)

    def as_sqlite(self, compiler, connection, **extra):
        # The same ids as one JSON array, read back by json_each.
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        array = self.source_expressions[1].value
        return f"{pk_sql} IN (SELECT value FROM json_each(%s))", (*pk_params, f"[{array[1:-1]}]")


def links_of(model, documents: QuerySet | IdArray) -> QuerySet:
    """`model`'s rows (a table with a `document` key) of these documents: given as an
    IdArray, the ids are looked up in the table's document index with no join to the
    documents (5,000 ids at 100,000 documents: 51 ms against 180–290 through the join);
    given as a queryset of document ids, through it."""
    if isinstance(documents, IdArray):
        return model.objects.filter(AnyId(documents, "document_id"))
    return model.objects.filter(document__in=documents)


def expected_text_matches(queryset, q: str) -> int | None:
    """The planner's estimate of `queryset`'s full-text matches for `q` (PostgreSQL;
    None elsewhere). Its statistics of the stored vectors' words know the common ones
    well: the estimate tells a word in most documents before any is fetched."""
    text_filter, _ = _text_match(q)
    return planned_rows(queryset.filter(text_filter))


def matching_ids(queryset, q: str, names: NameMatches, limit: int) -> IdArray:
    """Ids of `queryset`'s documents matching `q` (text or named person/organization),
    in ascending order.

    One statement: the full-text hits (a GIN index scan) UNION the documents linked to
    the people and organizations `q` names — as an OR the two would defeat the index.
    At most `limit`; the caller asks for one more to learn whether there are more.
    On PostgreSQL they come as one string (string_agg), the array literal itself: as
    rows, Django's iterator took ~100 ms for 44,000 of them, the query itself 70.
    """
    from catalogue.models import DocumentOrganization, DocumentPerson

    text_filter, _ = _text_match(q)
    hits = queryset.filter(text_filter).order_by().values_list("pk", flat=True)
    if names.people:
        people = DocumentPerson.objects.filter(person__in=[p.pk for p in names.people])
        hits = hits.union(linked_ids(queryset, people))
    if names.organizations:
        organizations = DocumentOrganization.objects.filter(
            organization__in=[o.pk for o in names.organizations]
        )
        hits = hits.union(linked_ids(queryset, organizations))
    hits = hits[:limit]
    connection = connections[hits.db]
    if connection.vendor != "postgresql":
        return IdArray.of(sorted(hits))
    sql, params = hits.query.sql_with_params()
    listed = (
        "SELECT '{' || coalesce(string_agg(hit.id::text, ',' ORDER BY hit.id), '') || '}'"
        f" FROM ({sql}) AS hit (id)"
    )
    with _full_text_index_preferred(hits.db), connection.cursor() as cursor:
        cursor.execute(listed, params)
        return IdArray(cursor.fetchone()[0])


def linked_ids(queryset, links) -> QuerySet:
    """The ids of `links`' documents (rows of a link table) that are in `queryset`.

    Of every published document (`queryset.every_published`), the links' documents less
    the few unpublished ones, which their partial index lists: testing each linked
    document's status instead took half of a name's search at a million documents (80
    ms for a name in 9,000, one index probe each).
    """
    from catalogue.querysets import of_published_documents

    if getattr(queryset, "every_published", False):
        linked = of_published_documents(links)
        return linked.order_by().values_list("document_id", flat=True)
    linked = queryset.filter(pk__in=links.values("document_id"))
    return linked.order_by().values_list("pk", flat=True)


@contextlib.contextmanager
def _full_text_index_preferred(using: str) -> Iterator[None]:
    """On PostgreSQL, steer the planner to the GIN index for the block's statements.

    For a word in most documents the planner picks a sequential scan, not knowing that
    testing `search_vector @@ query` row by row unpacks every stored tsvector: at 100,000
    documents 480 ms against 85 ms for the index's bitmap (which needs no recheck).
    """
    if connections[using].vendor != "postgresql":
        yield
        return
    with local_setting(using, "enable_seqscan") as set_value:
        set_value("off")
        yield


def search_documents(
    queryset, q: str, names: NameMatches | None = None, *, rank: bool = True, narrow: bool = True
):
    """Documents matching `q` in their text, or linked to a person/organization it names.

    `rank` annotates `rank` (higher is better); `narrow=False` only annotates
    (for a queryset already narrowed by this same search).
    """
    from catalogue.models import DocumentOrganization, DocumentPerson

    text_filter, text_rank = _text_match(q)
    names = names if names is not None else NameMatches()
    linked = Q(pk__in=[])
    if names.people:
        people = DocumentPerson.objects.filter(person__in=[p.pk for p in names.people])
        linked |= Q(pk__in=people.values("document_id"))
    if names.organizations:
        organizations = DocumentOrganization.objects.filter(
            organization__in=[o.pk for o in names.organizations]
        )
        linked |= Q(pk__in=organizations.values("document_id"))
    if narrow:
        queryset = queryset.filter(text_filter | linked if names else text_filter)
    if not rank:
        return queryset
    if names:
        bonus = Case(When(linked, then=Value(NAME_MATCH_BONUS)), default=Value(0.0))
        text = Case(When(text_filter, then=text_rank), default=Value(0.0))
        return queryset.annotate(rank=bonus + text)
    return queryset.annotate(rank=text_rank)


def highlight(text: str) -> SafeString:
    """Escape `text`, then turn the hit sentinels into <mark> elements."""
    safe = escape(text.replace("\x00", ""))
    return mark_safe(safe.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def snippets(documents: Iterable, q: str) -> dict[int, SafeString]:
    """{document id: highlighted excerpt} for these documents only (one query)."""
    ids = [d.pk for d in documents]
    if not ids or not q.strip():
        return {}
    if connection.vendor == "postgresql":
        return _pg_snippets(ids, q)
    match = fts5_query(q)
    if match is None:
        return {}
    from catalogue.models import Document

    # The database the page reads from (a replica inside @reads_from_replica).
    using = router.db_for_read(Document)
    with connections[using].cursor() as cursor:
        # The excerpt, and the texts it may come from as the document holds them (their
        # letters unfolded), in one statement.
        cursor.execute(
            f"SELECT {FTS_TABLE}.rowid, snippet({FTS_TABLE}, -1, %s, %s, %s, 28),"
            " json_array(d.title, d.summary, (SELECT json_group_array(t.text)"
            " FROM catalogue_translation t WHERE t.document_id = d.id))"
            f" FROM {FTS_TABLE} JOIN catalogue_document d ON d.id = {FTS_TABLE}.rowid"
            f" WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid IN"
            f" ({', '.join(['%s'] * len(ids))})",
            [START, STOP, ELLIPSIS, match, *ids],
        )
        return {
            pk: highlight(_in_source_letters(text, _sources(texts)))
            for pk, text, texts in cursor.fetchall()
            if text and START in text
        }


def _sources(texts_json: str) -> list[str]:
    # [title, summary, [text, …]]: each text apart, as the excerpt comes from one of them.
    # (SQLite nests the texts' array as JSON where the subquery keeps its JSON subtype, as
    # a string of JSON where it does not.)
    title, summary, texts = json.loads(texts_json)
    if isinstance(texts, str):
        texts = json.loads(texts)
    return [title or "", summary or "", *texts]


def _in_source_letters(excerpt: str, sources: list[str]) -> str:
    """FTS5's `excerpt` (hits between START and STOP) in its source's own letters.

    FTS5 cuts it from the text it indexed, which `fts_fold` made plain ("Хрущев"
    for "Хрущёв"). The fold keeps a text's length, so where the plain excerpt stands
    in a folded source is where it stands in the source: its letters are read from
    there, the marks kept where they were. An excerpt that is found in no source as a
    whole (one that runs from one text into the next) is left as FTS5 gave it.
    """
    head = ELLIPSIS if excerpt.startswith(ELLIPSIS) else ""
    tail = ELLIPSIS if excerpt.endswith(ELLIPSIS) and len(excerpt) > len(head) else ""
    body = excerpt[len(head) : len(excerpt) - len(tail)]
    plain = body.replace(START, "").replace(STOP, "")
    for source in sources:
        at = fts_fold(source).find(plain)
        if at >= 0:
            letters = iter(source[at : at + len(plain)])
            return head + "".join(c if c in (START, STOP) else next(letters) for c in body) + tail
    return excerpt


# ts_headline parses all the text it is given (~3 ms for a long document): the first
# pass looks at the start of each text only, where a hit usually is (a name in the
# heading, a word of the opening paragraph); documents without a hit there get a second
# pass over their whole texts — those whose stored vector has the words, that is: a
# document found through a person the query names need not have them in its text.
SNIPPET_FIRST_PASS_CHARS = 3000


def _pg_snippets(ids: list[int], q: str) -> dict[int, SafeString]:
    found = _pg_headlines(ids, q, SNIPPET_FIRST_PASS_CHARS)
    rest = [pk for pk in ids if pk not in found]
    if rest:
        found.update(_pg_headlines(rest, q, None, text_hits_only=True))
    return found


def _pg_headlines(
    ids: list[int], q: str, chars: int | None, *, text_hits_only: bool = False
) -> dict[int, SafeString]:
    """Highlighted excerpts of these documents that have a hit in their summary and the
    first `chars` characters of each text (None: all of it); `text_hits_only`: of those
    whose search vector matches `q`."""
    from django.contrib.postgres.aggregates import StringAgg
    from django.db.models import OuterRef, TextField
    from django.db.models.functions import Coalesce, Concat, Left

    from catalogue.models import Document, Translation

    text = Left("text", chars) if chars is not None else F("text")
    texts = (
        Translation.objects.filter(document=OuterRef("pk"))
        .order_by()
        .values("document")
        .annotate(all=StringAgg(text, delimiter="\n", order_by=("position", "id")))
        .values("all")
    )
    newline, empty = Value("\n", output_field=TextField()), Value("", output_field=TextField())
    body = Concat(
        "summary",
        newline,
        Coalesce(Subquery(texts, output_field=TextField()), empty),
        output_field=TextField(),
    )
    documents = Document.objects.filter(pk__in=ids)
    if text_hits_only:
        documents = documents.filter(_text_match(q)[0])
    rows = documents.annotate(
        excerpt=SearchHeadline(
            body,
            _pg_headline_query(q),
            config=PG_QUERY_CONFIG,
            start_sel=START,
            stop_sel=STOP,
            max_fragments=2,
            max_words=28,
            min_words=12,
            fragment_delimiter=" … ",
        )
    ).values_list("pk", "excerpt")
    return {pk: highlight(text) for pk, text in rows if text and START in text}
