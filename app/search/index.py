"""Full-text search over the graph for questions typed the way people type them.

People write "trung tam doi moi sang tao" without accents, "Sở KH&CN", "CĐS", half a sentence
from a newspaper, or English. Text on both sides (indexed labels and the question) goes through
the same steps:

1. NFC, then folded (accents and tone marks dropped, đ→d, lower case): NFD input, old and new
   tone placement (hoà/hòa) and unaccented typing all meet;
2. short forms rewritten to their full form, read from the SKOS scheme of abbreviations in the
   store (``data/vocab/abbreviations.ttl``), so an abbreviation and its expansion meet whichever
   side uses which;
3. tokenised by a tantivy analyser (simple tokenizer, lower case, ``ascii_fold``; English text
   also stemmed), and each pair of consecutive syllables indexed as a bigram.

Vietnamese words are mostly two syllables ("đổi mới", "sáng tạo"), so a bigram match is a word
or phrase match: the bigram fields are boosted above single syllables, and "đổi mới sáng tạo"
outranks a label that merely contains "mới". Ranking is tantivy's BM25 with per-field boosts.

One in-memory tantivy index per kind of thing (tasks, agencies, documents, indicators) keeps
BM25 statistics per kind. :class:`SearchIndex` is built from a store and records the store's
``generation``; callers rebuild it when the data is reloaded.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import tantivy

from app.core.labels import Label, best_label, label_of
from app.core.text import fold, nfc
from app.search.normalise import MAX_QUERY_CHARS, NOT_BLANK, clean_query, optional_query
from app.sparql.values import batches, values
from app.store.derived import load_derived, save_derived
from app.store.policy_store import PolicyStore, term_text, to_python

log = logging.getLogger(__name__)

__all__ = [
    "DRAFTING_VI",
    "MAX_QUERY_CHARS",
    "NOT_BLANK",
    "AgencyRecord",
    "Basis",
    "DocumentRecord",
    "Entry",
    "GroupRecord",
    "Hit",
    "PreparedQuery",
    "Records",
    "SavedIndex",
    "SearchIndex",
    "TaskRecord",
    "TextIndex",
    "TextNormaliser",
    "clean_query",
    "load_abbreviations",
    "optional_query",
    "read_basis",
    "save_later",
    "wait_for_saves",
]

# How the drafting of a document reads as a task.
DRAFTING_VI = "Soạn thảo, trình ban hành"
# A question longer than this many distinct syllables is cut: the tail adds cost, not precision.
_MAX_QUERY_TOKENS = 64
_ABBREVIATION_SCHEME = "https://w3id.org/policykg/id/scheme/abbreviation"

# Field boosts. Bigrams (a word or phrase matched) count more than single syllables; the task's
# surroundings (its task group, document, agencies) count, but less than its own words.
_FIELDS: dict[str, float] = {
    "vi": 1.0,
    "vi2": 1.6,
    "en": 0.8,
    "en2": 1.2,
    "ctx": 0.3,
    "ctx2": 0.5,
}
# Question frames carry no topic: "ai chịu trách nhiệm về …", "… là cơ quan nào?", "who leads …".
# Stripped before search so that "ai" (who) does not match the English "AI" of a task label.
_QUESTION_FRAMES = (
    re.compile(
        r"^(?:xin |cho (?:toi |em |minh )?)?(?:hoi |biet )?"
        r"(?:ai|co quan nao|don vi nao|so nao|nganh nao|who|which (?:agency|body|department))"
        r"(?: la (?:nguoi|co quan|don vi))?(?: (?:se|phai|duoc giao|is|are|will))?"
        r"(?: (?:chiu trach nhiem|phu trach|chu tri|thuc hien|lam|lo|responsible|in charge|leads?|handles?|does))?"
        r"(?: (?:ve|viec|cho|voi|for|of))?\b\s*"
    ),
    # The frame is whole words: "ai" ending "Lào Cai", "Gia Lai", "Đồng Nai", "Quảng Ngãi" is no question.
    re.compile(
        r"\s*(?:(?<![a-z0-9])(?:la|thi))?\s*(?<![a-z0-9])(?:ai|co quan nao|don vi nao|do ai (?:phu trach|thuc hien|chu tri|lam))"
        r"(?: (?:chiu trach nhiem|phu trach|chu tri|thuc hien|lam))?\s*$"
    ),
)
_PUNCTUATION_END = re.compile(r"[\s?!.…]+$")
_ANALYSED_CACHE = 100_000
_SQUEEZE = re.compile(r"[\s&\-/.]+")
# A document number (190-KH/TU, 47/KH-UBND, 3917/UBND) after folding. It becomes its number
# plus one token of the whole number ("190 190khtu"): an exact number is then a rare term that
# ranks its document first, and its letters are not expanded like prose ("KH" → "kế hoạch").
_NOTATION = re.compile(r"(?<![a-z0-9])(\d+)((?:\s*[-/]\s*[a-z]+){1,2})(?![a-z0-9])")


# ---------------------------------------------------------------------------
# Text: folding, abbreviations, tokens (cleaning user text: app.search.normalise)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """A full form (folded) and the folded short forms that stand for it."""

    iri: str
    full: str
    forms: tuple[str, ...]


_ABBREVIATIONS = """
SELECT ?c ?full ?form WHERE {
  ?c skos:inScheme ?scheme ; skos:prefLabel ?full .
  FILTER(LANG(?full) = "vi")
  { ?c skos:altLabel ?form } UNION { ?c skos:hiddenLabel ?form }
}"""


def load_abbreviations(store: PolicyStore) -> list[Abbreviation]:
    """The abbreviation scheme of the store (empty when the store has none)."""
    forms: dict[str, set[str]] = {}
    fulls: dict[str, str] = {}
    rows = store.select(_ABBREVIATIONS, {"scheme": ox.NamedNode(_ABBREVIATION_SCHEME)})
    for row in rows:
        c, full, form = row["c"], row["full"], row["form"]
        if c is None or full is None or form is None:
            continue
        fulls[term_text(c)] = fold(term_text(full))
        forms.setdefault(term_text(c), set()).add(fold(term_text(form)))
    return [Abbreviation(iri, fulls[iri], tuple(sorted(forms[iri]))) for iri in sorted(fulls)]


def _form_pattern(form: str) -> str:
    # "kh&cn" also matches "kh & cn", "cmcn 4.0" also "cmcn  4.0": spacing is not meaningful.
    parts = re.split(r"(\s+|[&\-/.])", form)
    out = []
    for part in parts:
        if not part:
            continue
        if part.isspace():
            out.append(r"\s+")
        elif part in "&-/.":
            out.append(r"\s*" + re.escape(part) + r"\s*")
        else:
            out.append(re.escape(part))
    return "".join(out)


def _squeeze(form: str) -> str:
    # The key of a short form however it is spaced: "kh & cn", "kh&cn" → "khcn".
    return _SQUEEZE.sub("", form)


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        # Our text arrives folded already; ascii_fold still folds what NFD cannot (æ, ø, ł, ﬁ)
        # and keeps the index correct for text that did not pass through fold().
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A question as the index sees it: folded and expanded text, tokens and bigrams per analyser."""

    text: str
    canonical: str
    vi: tuple[str, ...]
    en: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.vi

    @property
    def vi_pairs(self) -> tuple[str, ...]:
        return _pairs(self.vi)

    @property
    def en_pairs(self) -> tuple[str, ...]:
        return _pairs(self.en)


def _pairs(tokens: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{a}_{b}" for a, b in pairwise(tokens))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class TextNormaliser:
    """Folds text, expands abbreviations and tokenises it the same way for index and question."""

    def __init__(self, abbreviations: Sequence[Abbreviation] = ()) -> None:
        self.abbreviations = tuple(abbreviations)
        by_form: dict[str, str] = {}
        for abbreviation in self.abbreviations:
            for form in abbreviation.forms:
                by_form.setdefault(form, abbreviation.full)
        self._by_form = by_form
        self._pattern: re.Pattern[str] | None = None
        if by_form:
            # Longest form first, so "kh&cn" wins over "kh" and "cmcn 4.0" over "cmcn".
            alternatives = sorted(by_form, key=lambda f: (-len(f), f))
            self._pattern = re.compile(
                r"(?<![a-z0-9])(" + "|".join(_form_pattern(f) for f in alternatives) + r")(?![a-z0-9])"
            )
            self._lookup = {_squeeze(form): full for form, full in by_form.items()}
        self.vi_analyzer = _analyzer(stem=False)
        self.en_analyzer = _analyzer(stem=True)
        self._analysed: dict[tuple[str, bool], tuple[str, str]] = {}

    def analysed(self, text: str, *, english: bool = False) -> tuple[str, str]:
        """Canonical text and its bigrams (space-separated), remembered: a task's document, group and
        agency names repeat for every task, and indexing a national graph folds each of them once."""
        key = (text, english)
        found = self._analysed.get(key)
        if found is None:
            if len(self._analysed) >= _ANALYSED_CACHE:
                self._analysed.clear()
            canonical = self.canonical(text)
            analyzer = self.en_analyzer if english else self.vi_analyzer
            found = self._analysed[key] = (canonical, " ".join(_pairs(analyzer.analyze(canonical))))
        return found

    def canonical(self, text: str) -> str:
        """Folded text, document numbers as one token each, short forms replaced by full forms."""
        folded = _NOTATION.sub(lambda m: f" {m.group(1)} {m.group(1)}{_squeeze(m.group(2))} ", fold(nfc(text)))
        if self._pattern is None:
            return folded
        return self._pattern.sub(lambda m: " " + self._lookup[_squeeze(m.group(1))] + " ", folded)

    def vi_tokens(self, text: str) -> list[str]:
        """Syllables of ``text`` as indexed in the Vietnamese fields."""
        return self.vi_analyzer.analyze(self.canonical(text))

    def en_tokens(self, text: str) -> list[str]:
        """Stemmed words of ``text`` as indexed in the English fields."""
        return self.en_analyzer.analyze(self.canonical(text))

    def prepare(self, text: str) -> PreparedQuery:
        """A question ready to search: cleaned by :func:`clean_query` first, question frame removed."""
        folded = _PUNCTUATION_END.sub("", fold(nfc(text)))
        for frame in _QUESTION_FRAMES:
            stripped = frame.sub("", folded)
            # A question that is nothing but a frame ("ai?") keeps its words.
            folded = stripped if stripped.strip() else folded
        canonical = self.canonical(folded)
        vi = self.vi_analyzer.analyze(canonical)[: _MAX_QUERY_TOKENS * 2]
        en = self.en_analyzer.analyze(canonical)[: _MAX_QUERY_TOKENS * 2]
        return PreparedQuery(text=text, canonical=canonical, vi=tuple(vi), en=tuple(en))


# ---------------------------------------------------------------------------
# One tantivy index over entries of one kind
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """What is indexed about one resource.

    ``vi`` and ``en`` are its own names or labels, ``context`` the text around it (weaker),
    ``keys`` exact strings to look it up by (for a task, the IRIs of its agencies), and
    ``payload`` a JSON-ready value handed back with each hit.
    """

    iri: str
    vi: Sequence[str] = ()
    en: Sequence[str] = ()
    context: Sequence[str] = ()
    keys: Sequence[str] = ()
    payload: Any = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A resource that matched, with its BM25 score and its payload."""

    iri: str
    score: float
    payload: Any = None


class TextIndex:
    """A tantivy index over entries of one kind, in memory or (``path``) in a directory of its own."""

    def __init__(self, normaliser: TextNormaliser, entries: Iterable[Entry], path: Path | None = None) -> None:
        self.normaliser = normaliser
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("iri", stored=True, tokenizer_name="raw")
        builder.add_text_field("key", tokenizer_name="raw", index_option="basic")
        for name in ("vi", "ctx"):
            builder.add_text_field(name, tokenizer_name="policykg_vi", index_option="freq")
        builder.add_text_field("en", tokenizer_name="policykg_en", index_option="freq")
        for name in ("vi2", "en2", "ctx2"):
            # Bigrams arrive as "doi_moi moi_sang": split on spaces only, one term per pair.
            builder.add_text_field(name, tokenizer_name="policykg_pairs", index_option="freq")
        builder.add_bytes_field("payload", stored=True)
        self.schema = builder.build()
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self.schema, path=None if path is None else str(path))
        self._register(normaliser)
        writer = self._index.writer(heap_size=64_000_000, num_threads=1)
        count = 0
        for entry in entries:
            writer.add_document(self._document(entry))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()
        self.size = count

    def _register(self, normaliser: TextNormaliser) -> None:
        # Tokenizers are code, not part of a saved index: registered again on every open.
        self._index.register_tokenizer("policykg_vi", normaliser.vi_analyzer)
        self._index.register_tokenizer("policykg_en", normaliser.en_analyzer)
        self._index.register_tokenizer("policykg_pairs", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())

    @classmethod
    def open(cls, normaliser: TextNormaliser, path: Path) -> TextIndex:
        """The index saved in ``path`` by an earlier run (memory-mapped: nothing is indexed again)."""
        view = object.__new__(cls)
        view.normaliser = normaliser
        view._index = tantivy.Index.open(str(path))
        view.schema = view._index.schema
        view._register(normaliser)
        view._index.reload()
        view._searcher = view._index.searcher()
        view.size = view._searcher.num_docs
        return view

    def updated(self, removed: Iterable[str], added: Iterable[Entry]) -> TextIndex:
        """A view of this index with the entries of ``removed`` IRIs taken out and ``added`` put in.

        The tantivy index is shared and changed in place, but this object keeps the searcher it
        had: a request still reading it sees the old entries, whole. Only the newest view may be
        updated again. Deleted entries leave their terms in tantivy's statistics until segments
        merge, so BM25 scores can drift slightly from a fresh build's; which entries match a
        question does not.
        """
        removed, added = list(dict.fromkeys(removed)), list(added)
        if not removed and not added:
            return self
        view = object.__new__(TextIndex)
        view.normaliser, view.schema, view._index = self.normaliser, self.schema, self._index
        writer = self._index.writer(heap_size=15_000_000, num_threads=1)
        for iri in removed:
            writer.delete_documents_by_term("iri", iri)
        for entry in added:
            writer.add_document(self._document(entry))
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        view._searcher = self._index.searcher()
        view.size = view._searcher.num_docs
        return view

    def _document(self, entry: Entry) -> tantivy.Document:
        norm = self.normaliser
        doc = tantivy.Document()
        doc.add_text("iri", entry.iri)
        for key in entry.keys:
            doc.add_text("key", key)
        for field_name, texts, english in (
            ("vi", entry.vi, False),
            ("ctx", entry.context, False),
            ("en", entry.en, True),
        ):
            for text in texts:
                canonical, pairs = norm.analysed(text, english=english)
                doc.add_text(field_name, canonical)
                # Bigrams within one label only: none spans two labels (each text is its own value).
                if pairs:
                    doc.add_text(field_name + "2", pairs)
        doc.add_bytes("payload", json.dumps(entry.payload, ensure_ascii=False, separators=(",", ":")).encode())
        return doc

    def _term(self, field_name: str, token: str) -> tantivy.Query:
        query = tantivy.Query.term_query(self.schema, field_name, token, index_option="freq")
        boost = _FIELDS[field_name]
        return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)

    def _query(self, query: PreparedQuery, fields: Sequence[str]) -> tantivy.Query:
        tokens = {"vi": _unique(query.vi), "ctx": _unique(query.vi), "en": _unique(query.en)}
        pairs = {"vi2": _unique(query.vi_pairs), "ctx2": _unique(query.vi_pairs), "en2": _unique(query.en_pairs)}
        clauses = []
        for name in fields:
            for token in (tokens.get(name) or pairs.get(name) or [])[:_MAX_QUERY_TOKENS]:
                clauses.append((tantivy.Occur.Should, self._term(name, token)))
        return tantivy.Query.boolean_query(clauses)

    def _all_words(self, query: PreparedQuery) -> tantivy.Query:
        """Every word of the question in the entry's own names (Vietnamese or English form)."""
        musts = []
        en = query.en if len(query.en) == len(query.vi) else query.vi
        for vi_token, en_token in dict.fromkeys(zip(query.vi, en, strict=True)):
            either = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, self._term("vi", vi_token)),
                    (tantivy.Occur.Should, self._term("en", en_token)),
                ]
            )
            musts.append((tantivy.Occur.Must, either))
        return tantivy.Query.boolean_query(musts[:_MAX_QUERY_TOKENS])

    def search(
        self,
        query: PreparedQuery,
        limit: int = 10,
        *,
        fields: Sequence[str] = tuple(_FIELDS),
        all_words: bool = False,
        as_phrase: bool = False,
    ) -> list[Hit]:
        """The best ``limit`` entries for ``query`` (BM25).

        With ``all_words``, only entries whose own names hold every word of the question; with
        ``as_phrase`` also, only those whose Vietnamese names hold every pair of consecutive words.
        """
        if query.empty or limit <= 0 or self.size == 0:
            return []
        ranked = self._query(query, fields)
        required = []
        if all_words:
            required.append((tantivy.Occur.Must, self._all_words(query)))
        if as_phrase:
            required += [(tantivy.Occur.Must, self._term("vi2", p)) for p in _unique(query.vi_pairs)]
        if required:
            ranked = tantivy.Query.boolean_query([*required[: _MAX_QUERY_TOKENS], (tantivy.Occur.Should, ranked)])
        result = self._searcher.search(ranked, limit=min(limit, self.size), count=False)
        return [self._hit(score, address) for score, address in result.hits]

    def lookup(self, key: str, limit: int = 100_000) -> list[Hit]:
        """Every entry indexed under the exact ``key``."""
        if self.size == 0:
            return []
        query = tantivy.Query.term_query(self.schema, "key", key, index_option="basic")
        result = self._searcher.search(query, limit=min(limit, self.size), count=False)
        return [self._hit(0.0, address) for _, address in result.hits]

    def _hit(self, score: float, address: tantivy.DocAddress) -> Hit:
        doc = self._searcher.doc(address)
        payload = doc.get_first("payload")
        return Hit(
            iri=str(doc.get_first("iri")),
            score=float(score),
            payload=json.loads(bytes(payload)) if payload else None,
        )


# ---------------------------------------------------------------------------
# What the graph says about tasks, agencies, documents and indicators
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class AgencyRecord:
    """An agency: its names and whether it stands for a group of bodies."""

    iri: str
    labels: list[Label] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)
    stated_as: list[str] = field(default_factory=list)
    collective: bool = False

    @property
    def label(self) -> str:
        return best_label(self.labels) or self.iri.rsplit("/", 1)[-1]


@dataclass(slots=True)
class DocumentRecord:
    """A policy document: number, names, issuer, date, drafters and sources."""

    iri: str
    notations: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    titles: list[Label] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    drafters: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def notation(self) -> str | None:
        return min(self.notations) if self.notations else None

    @property
    def label(self) -> str:
        return best_label(self.labels) or best_label(self.titles) or self.notation or self.iri.rsplit("/", 1)[-1]


@dataclass(slots=True)
class GroupRecord:
    """A task group: its label, number and document."""

    iri: str
    labels: list[Label] = field(default_factory=list)
    ordinal: int | None = None
    document: str | None = None

    @property
    def label(self) -> str | None:
        return best_label(self.labels)


@dataclass(slots=True)
class MeetingRecord:
    """A meeting that assigns tasks, and the documents it discusses."""

    iri: str
    labels: list[Label] = field(default_factory=list)
    discusses: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TaskRecord:
    """A task with where it hangs and who is responsible for it (agency IRI, role notation)."""

    iri: str
    labels: list[Label] = field(default_factory=list)
    duties: list[tuple[str, str]] = field(default_factory=list)
    holder: str | None = None  # the document that lists it directly
    group: str | None = None
    meeting: str | None = None
    concerns: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def document(self, groups: Mapping[str, GroupRecord], meetings: Mapping[str, MeetingRecord]) -> str | None:
        """The document that gives the task.

        A document's own task: that document; a task in a task group: the group's document; a
        task assigned at a meeting: the document it concerns that the meeting discusses, else
        the first document it concerns, else the document the meeting discusses.
        """
        if self.holder:
            return self.holder
        if self.group and self.group in groups and groups[self.group].document:
            return groups[self.group].document
        meeting = meetings.get(self.meeting) if self.meeting else None
        discussed = meeting.discusses if meeting is not None else []
        for iri in sorted(self.concerns):
            if iri in discussed:
                return iri
        if self.concerns:
            return min(self.concerns)
        return min(discussed) if discussed else None


@dataclass(slots=True)
class IndicatorRecord:
    """An indicator: its names and definition."""

    iri: str
    labels: list[Label] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return best_label(self.labels) or self.iri.rsplit("/", 1)[-1]


# One query per kind of fact, each projecting ?s ?value (and ?aux where a fact has two parts):
# simple joins that Oxigraph runs in a single pass, where one UNION of them all was slow. Tasks
# hang under a task group, a document or a meeting by pol:hasTask (CONVENTIONS.md); a holder that
# is neither group nor meeting is a document. {documents} stands for the pattern that binds ?s to
# a policy document (an instance of pol:PolicyDocument or of a subclass).
_TASK_FACTS = (
    ("label", "SELECT ?s ?value { ?s a pol:Task ; rdfs:label ?value }"),
    ("duty", "SELECT ?s ?value ?aux { ?role pol:roleProperty ?p ; skos:notation ?aux . ?s ?p ?value . ?s a pol:Task }"),
    ("group", "SELECT ?s ?value { ?value a pol:TaskGroup ; pol:hasTask ?s }"),
    ("meeting", "SELECT ?s ?value { ?value a pol:Meeting ; pol:hasTask ?s }"),
    ("meeting", "SELECT ?s ?value { ?s a pol:Task ; pol:assignedAt ?value }"),
    (
        "holder",
        (
            "SELECT ?s ?value { ?value pol:hasTask ?s "
            "FILTER NOT EXISTS { ?value a pol:TaskGroup } FILTER NOT EXISTS { ?value a pol:Meeting } }"
        ),
    ),
    ("concerns", "SELECT ?s ?value { ?s a pol:Task ; pol:concerns ?value }"),
    ("source", "SELECT ?s ?value { ?s a pol:Task ; pol:source ?value }"),
)
_GROUP_FACTS = (
    ("label", "SELECT ?s ?value { ?s a pol:TaskGroup ; rdfs:label ?value }"),
    ("ordinal", "SELECT ?s ?value { ?s a pol:TaskGroup ; pol:ordinal ?value }"),
    ("document", "SELECT ?s ?value { ?s a pol:TaskGroup . ?value pol:hasTaskGroup ?s }"),
)
_MEETING_FACTS = (
    ("label", "SELECT ?s ?value { ?s a pol:Meeting ; rdfs:label ?value }"),
    ("discusses", "SELECT ?s ?value { ?s a pol:Meeting ; pol:discusses ?value }"),
)
_DOCUMENT_CLASSES = "SELECT DISTINCT ?c { ?c rdfs:subClassOf* pol:PolicyDocument }"
_DOCUMENT_FACTS = tuple(
    (key, f"SELECT ?s ?value {{ {{documents}} ?s {predicate} ?value }}")
    for key, predicate in (
        ("notation", "skos:notation"),
        ("label", "rdfs:label"),
        ("title", "pol:title"),
        ("issuer", "pol:issuedBy"),
        ("drafter", "pol:draftedBy"),
        ("date", "pol:issueDate"),
        ("source", "pol:source"),
    )
)
_AGENCY_FACTS = (
    ("label", "SELECT ?s ?value { ?s a pol:Agency ; rdfs:label ?value }"),
    ("alt", "SELECT ?s ?value { ?s a pol:Agency ; skos:altLabel ?value }"),
    ("statedAs", "SELECT ?s ?value { ?s a pol:Agency ; pol:statedAs ?value }"),
    ("collective", "SELECT ?s ?value { ?s a pol:Agency ; pol:isCollective ?value }"),
)
_INDICATOR_FACTS = (
    ("label", "SELECT ?s ?value { ?s a pol:Indicator ; rdfs:label ?value }"),
    ("alt", "SELECT ?s ?value { ?s a pol:Indicator ; skos:altLabel ?value }"),
    ("definition", "SELECT ?s ?value { ?s a pol:Indicator ; skos:definition ?value }"),
)
_SOURCES = "SELECT ?s ?value { ?s a pol:SourceArticle ; dcterms:title ?value }"

Value = ox.NamedNode | ox.BlankNode | ox.Literal


def _fact_rows(store: PolicyStore, query: str) -> Iterator[tuple[str, Value, str | None]]:
    """(subject, value, aux) rows of a fact query, skipping incomplete rows."""
    for row in store.run_select(query).rows:
        s, value, aux = row.get("s"), row.get("value"), row.get("aux")
        if s is None or value is None or isinstance(value, ox.Triple):
            continue
        yield term_text(s), value, (term_text(aux) if aux is not None else None)


def _restricted(query: str, subjects: Sequence[str] | None) -> Iterator[str]:
    """``query`` as is, or once per batch of ``subjects`` with ``?s`` bound to them."""
    if subjects is None:
        yield query
        return
    at = query.index("{") + 1
    for batch in batches(subjects):
        yield f"{query[:at]} {values('s', batch)} {query[at:]}"


def _collect(
    store: PolicyStore,
    queries: Iterable[tuple[str, str]],
    make: Callable[[str], Any],
    apply: Callable[[Any, str, Value, str | None], None],
    subjects: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Records by subject IRI (of ``subjects`` only, when given), built by ``apply(record, key, value, aux)``."""
    records: dict[str, Any] = {}
    for key, query in queries:
        for text in _restricted(query, subjects):
            for subject, value, aux in _fact_rows(store, text):
                record = records.get(subject)
                if record is None:
                    record = records[subject] = make(subject)
                apply(record, key, value, aux)
    return records


def _document_queries(classes: Sequence[str]) -> list[tuple[str, str]]:
    """The document fact queries with the classes of policy documents spelled out."""
    pattern = f"{values('c', classes)} ?s a ?c ." if classes else "FILTER(false)"
    return [(key, query.replace("{documents}", pattern)) for key, query in _DOCUMENT_FACTS]


def _apply_task(record: TaskRecord, key: str, value: Any, aux: str | None) -> None:
    text = term_text(value)
    match key:
        case "label":
            record.labels.append(label_of(value))
        case "duty" if aux is not None and (text, aux) not in record.duties:
            record.duties.append((text, aux))
        case "group":
            record.group = min(filter(None, (record.group, text)))
        case "meeting":
            record.meeting = min(filter(None, (record.meeting, text)))
        case "holder":
            record.holder = min(filter(None, (record.holder, text)))
        case "concerns" if text not in record.concerns:
            record.concerns.append(text)
        case "source" if text not in record.sources:
            record.sources.append(text)


def _apply_group(record: GroupRecord, key: str, value: Any, aux: str | None) -> None:
    match key:
        case "label":
            record.labels.append(label_of(value))
        case "ordinal":
            number = to_python(value)
            record.ordinal = number if isinstance(number, int) else record.ordinal
        case "document":
            record.document = min(filter(None, (record.document, term_text(value))))


def _apply_meeting(record: MeetingRecord, key: str, value: Any, aux: str | None) -> None:
    if key == "label":
        record.labels.append(label_of(value))
    elif key == "discusses":
        record.discusses.append(term_text(value))


def _apply_document(record: DocumentRecord, key: str, value: Any, aux: str | None) -> None:
    text = term_text(value)
    match key:
        case "notation":
            record.notations.append(text)
        case "label":
            record.labels.append(label_of(value))
        case "title":
            record.titles.append(label_of(value))
        case "issuer":
            record.issuers.append(text)
        case "drafter":
            record.drafters.append(text)
        case "date":
            record.dates.append(text)
        case "source":
            record.sources.append(text)


def _apply_agency(record: AgencyRecord, key: str, value: Any, aux: str | None) -> None:
    match key:
        case "label":
            record.labels.append(label_of(value))
        case "alt":
            record.alt_labels.append(term_text(value))
        case "statedAs":
            record.stated_as.append(term_text(value))
        case "collective":
            record.collective = record.collective or to_python(value) is True


def _apply_indicator(record: IndicatorRecord, key: str, value: Any, aux: str | None) -> None:
    match key:
        case "label":
            record.labels.append(label_of(value))
        case "alt":
            record.alt_labels.append(term_text(value))
        case "definition":
            record.definitions.append(term_text(value))


def _split(labels: Iterable[Label]) -> tuple[list[str], list[str]]:
    """Texts of ``labels`` that are not English, and the English ones."""
    labels = list(labels)
    return [lab.text for lab in labels if lab.lang != "en"], [lab.text for lab in labels if lab.lang == "en"]


# ---------------------------------------------------------------------------
# The search index of a store
# ---------------------------------------------------------------------------


_ROLE_TABLE = "SELECT ?s ?value ?aux { ?s pol:roleProperty ?value ; skos:notation ?aux }"
# More IRIs touched than this and reading the whole store again costs less than record by record.
_INCREMENTAL_LIMIT = 20_000
_SAVED_NAME = "search-index"


@dataclass(frozen=True, slots=True)
class Basis:
    """What every record and entry is read through: abbreviations, document classes, roles.

    A change to any of them changes how the whole graph reads, so it forces a full build.
    """

    abbreviations: tuple[Abbreviation, ...]
    document_classes: tuple[str, ...]
    roles: tuple[tuple[str, str, str], ...]


def read_basis(store: PolicyStore) -> Basis:
    """The basis of the store's data as it is now (three small queries)."""
    classes = sorted(
        term_text(row["c"]) for row in store.select(_DOCUMENT_CLASSES) if isinstance(row["c"], ox.NamedNode)
    )
    roles = sorted((s, term_text(v), aux or "") for s, v, aux in _fact_rows(store, _ROLE_TABLE))
    return Basis(tuple(load_abbreviations(store)), tuple(classes), tuple(roles))


@dataclass(slots=True)
class Records:
    """Everything the index is made from, read from the store (and what is persisted of it)."""

    tasks: dict[str, TaskRecord]
    groups: dict[str, GroupRecord]
    meetings: dict[str, MeetingRecord]
    documents: dict[str, DocumentRecord]
    agencies: dict[str, AgencyRecord]
    indicators: dict[str, IndicatorRecord]
    sources: dict[str, str]

    @classmethod
    def read(cls, store: PolicyStore, basis: Basis, subjects: Sequence[str] | None = None) -> Records:
        """The records of the store (of ``subjects`` only, when given)."""
        titles: dict[str, list[Label]] = {}
        for query in _restricted(_SOURCES, subjects):
            for subject, value, _ in _fact_rows(store, query):
                titles.setdefault(subject, []).append(label_of(value))
        return cls(
            tasks=_collect(store, _TASK_FACTS, TaskRecord, _apply_task, subjects),
            groups=_collect(store, _GROUP_FACTS, GroupRecord, _apply_group, subjects),
            meetings=_collect(store, _MEETING_FACTS, MeetingRecord, _apply_meeting, subjects),
            documents=_collect(
                store, _document_queries(basis.document_classes), DocumentRecord, _apply_document, subjects
            ),
            agencies=_collect(store, _AGENCY_FACTS, AgencyRecord, _apply_agency, subjects),
            indicators=_collect(store, _INDICATOR_FACTS, IndicatorRecord, _apply_indicator, subjects),
            sources={iri: best_label(labels) or iri for iri, labels in titles.items()},
        )

    def kinds(self) -> tuple[dict[str, Any], ...]:
        """The record tables, in a fixed order."""
        return (self.tasks, self.groups, self.meetings, self.documents, self.agencies, self.indicators, self.sources)


@dataclass(frozen=True, slots=True)
class SavedIndex:
    """A search index as saved beside an on-disk store: its basis, records and entries' dependencies,
    and the directory (in the same place) of its tantivy indexes."""

    basis: Basis
    records: tuple[Any, ...]  # Records as builtin tuples (_pack): pickle reads those at C speed
    home: str
    task_keys: dict[str, frozenset[str]]
    under_keys: dict[str, frozenset[str]]
    drafting_keys: dict[str, frozenset[str]]


_RECORD_TYPES = (TaskRecord, GroupRecord, MeetingRecord, DocumentRecord, AgencyRecord, IndicatorRecord)
_LABEL_FIELDS = frozenset({"labels", "titles"})


def _pack(records: Records) -> tuple[Any, ...]:
    """The records as tuples of builtins (labels as (text, lang) pairs), field by field."""
    packed: list[Any] = []
    for kind, table in zip(_RECORD_TYPES, records.kinds(), strict=False):
        names = [f.name for f in fields(kind)]
        rows = []
        for record in table.values():
            row = [getattr(record, name) for name in names]
            for at, name in enumerate(names):
                if name in _LABEL_FIELDS:
                    row[at] = [(label.text, label.lang) for label in row[at]]
            rows.append(tuple(row))
        packed.append(rows)
    packed.append(records.sources)
    return tuple(packed)


def _unpack(packed: tuple[Any, ...]) -> Records:
    """The records :func:`_pack` packed."""
    tables: list[dict[str, Any]] = []
    for kind, rows in zip(_RECORD_TYPES, packed, strict=False):
        labelled = [at for at, f in enumerate(fields(kind)) if f.name in _LABEL_FIELDS]
        table = {}
        for row in rows:
            values_ = list(row)
            for at in labelled:
                values_[at] = [Label(text, lang) for text, lang in values_[at]]
            table[values_[0]] = kind(*values_)
        tables.append(table)
    tasks, groups, meetings, documents, agencies, indicators = tables
    return Records(tasks, groups, meetings, documents, agencies, indicators, sources=packed[-1])


def _reverse(keys: Mapping[str, frozenset[str]]) -> dict[str, set[str]]:
    """For each key, the IRIs that depend on it."""
    table: dict[str, set[str]] = {}
    for iri, depends in keys.items():
        for key in depends:
            table.setdefault(key, set()).add(iri)
    return table


def _add_dependents(table: dict[str, set[str]], changes: Mapping[str, tuple[Iterable[str], Iterable[str]]]) -> None:
    """Apply (dropped, added) dependents per key, replacing each set: an older index may share it."""
    for key, (dropped, added) in changes.items():
        updated = (table.get(key, set()) - set(dropped)) | set(added)
        if updated:
            table[key] = updated
        else:
            table.pop(key, None)


def _move(
    keys: dict[str, frozenset[str]], changes: dict[str, tuple[list[str], list[str]]], iri: str, new: frozenset[str]
) -> None:
    """Record ``iri`` as depending on ``new`` instead of its old keys, noting the (dropped, added) per key."""
    old = keys.get(iri, frozenset())
    for key in old - new:
        changes.setdefault(key, ([], []))[0].append(iri)
    for key in new - old:
        changes.setdefault(key, ([], []))[1].append(iri)
    if new:
        keys[iri] = new
    else:
        keys.pop(iri, None)


def _inside(home: Path | None, name: str) -> Path | None:
    return None if home is None else home / name


class SearchIndex:
    """Indexes of tasks, agencies, documents and indicators, with the records they were built from.

    Built by :meth:`build` from a store (or read back by :meth:`load_or_build`), brought up to
    date by :meth:`refreshed`; ``generation`` and ``stamp`` are the store's when it was read.
    An index is never changed once handed out: :meth:`refreshed` returns a new one, sharing
    what did not change, and requests holding the old one finish on it.
    """

    def __init__(
        self,
        normaliser: TextNormaliser,
        *,
        tasks: Mapping[str, TaskRecord],
        groups: Mapping[str, GroupRecord],
        meetings: Mapping[str, MeetingRecord],
        documents: Mapping[str, DocumentRecord],
        agencies: Mapping[str, AgencyRecord],
        indicators: Mapping[str, IndicatorRecord],
        sources: Mapping[str, str],
        generation: int = 0,
        stamp: str | None = None,
        basis: Basis | None = None,
        home: Path | None = None,
    ) -> None:
        self.normaliser = normaliser
        self.home = home
        self.task_records = dict(tasks)
        self.groups = dict(groups)
        self.meetings = dict(meetings)
        self.documents = dict(documents)
        self.agencies = dict(agencies)
        self.indicators = dict(indicators)
        self.sources = dict(sources)
        self.generation = generation
        self.stamp = stamp
        self.basis = basis
        self.task_count = len(self.task_records)
        # What each entry of the tasks' index reads besides its own record (group, meeting,
        # document, agencies), and the reverse: a change to an agency's label re-indexes the
        # entries that carry it. Tasks hang under a holder, group or meeting (``_under``).
        self._task_keys: dict[str, frozenset[str]] = {}
        self._task_dependents: dict[str, set[str]] = {}
        self._drafting_keys: dict[str, frozenset[str]] = {}
        self._drafting_dependents: dict[str, set[str]] = {}
        self._under_keys: dict[str, frozenset[str]] = {}
        self._under: dict[str, set[str]] = {}
        entries = self._task_side_entries(list(self.task_records), list(self.documents))
        self.tasks = TextIndex(normaliser, entries, _inside(home, "tasks"))
        agency_entries = (self._agency_entry(a) for a in self.agencies.values())
        self.agency_index = TextIndex(normaliser, agency_entries, _inside(home, "agencies"))
        indicator_entries = (self._indicator_entry(i) for i in self.indicators.values())
        self.indicator_index = TextIndex(normaliser, indicator_entries, _inside(home, "indicators"))
        # Per-index caches of derived answers (lineage of a document): valid as long as the index.
        self.cache: dict[tuple[str, str], Any] = {}
        self.lock = threading.Lock()

    @classmethod
    def build(cls, store: PolicyStore, normaliser: TextNormaliser | None = None) -> SearchIndex:
        """Read the store and index it (with the store's abbreviations unless ``normaliser`` is given)."""
        generation, stamp = store.current_generation(), store.stamp
        basis = read_basis(store)
        records = Records.read(store, basis)
        # Beside an on-disk store the tantivy indexes live in a directory of their own, so that a
        # restart opens them rather than indexing every text again (most of a build's time).
        home = None if store.derived_dir is None else store.derived_dir / f"{_SAVED_NAME}-{uuid.uuid4().hex}"
        return cls.of(records, basis, normaliser, generation=generation, stamp=stamp, home=home)

    @classmethod
    def of(
        cls,
        records: Records,
        basis: Basis,
        normaliser: TextNormaliser | None = None,
        *,
        generation: int = 0,
        stamp: str | None = None,
        home: Path | None = None,
    ) -> SearchIndex:
        """The index of ``records`` read through ``basis`` (its tantivy indexes in ``home``, when given)."""
        return cls(
            normaliser or TextNormaliser(basis.abbreviations),
            tasks=records.tasks,
            groups=records.groups,
            meetings=records.meetings,
            documents=records.documents,
            agencies=records.agencies,
            indicators=records.indicators,
            sources=records.sources,
            generation=generation,
            stamp=stamp,
            basis=basis,
            home=home,
        )

    def records(self) -> Records:
        """The records the index was made from."""
        return Records(
            self.task_records, self.groups, self.meetings, self.documents, self.agencies, self.indicators, self.sources
        )

    # -- upkeep -------------------------------------------------------------

    @classmethod
    def load_or_build(cls, store: PolicyStore) -> SearchIndex:
        """The index saved beside the store at its stamp, else one built from the store (and saved)."""
        generation, stamp = store.current_generation(), store.stamp
        started = time.perf_counter()
        saved = load_derived(store.derived_dir, _SAVED_NAME, stamp)
        if isinstance(saved, SavedIndex) and store.derived_dir is not None:
            try:
                index = cls._restored(saved, store.derived_dir / saved.home, generation, stamp)
            except (OSError, ValueError) as exc:  # tantivy reports a missing or damaged index as ValueError
                log.warning("search index saved in %s cannot be opened (%s): building it again", store.derived_dir, exc)
            else:
                elapsed = time.perf_counter() - started
                log.info("search index read from %s (stamp %s) in %.1f s", store.derived_dir, stamp, elapsed)
                return index
        elif store.derived_dir is not None:
            log.info("search index: none saved at stamp %s in %s, building it from the store", stamp, store.derived_dir)
        index = cls.build(store)
        index.save(store)
        return index

    @classmethod
    def _restored(cls, saved: SavedIndex, home: Path, generation: int, stamp: str | None) -> SearchIndex:
        """The index ``saved`` describes, its tantivy indexes opened in ``home`` (nothing indexed again)."""
        new = object.__new__(cls)
        new.normaliser = TextNormaliser(saved.basis.abbreviations)
        new.generation, new.stamp, new.basis, new.home = generation, stamp, saved.basis, home
        records = _unpack(saved.records)
        new.task_records, new.groups, new.meetings, new.documents = (
            records.tasks,
            records.groups,
            records.meetings,
            records.documents,
        )
        new.agencies, new.indicators, new.sources = records.agencies, records.indicators, records.sources
        new.task_count = len(new.task_records)
        new._task_keys, new._under_keys, new._drafting_keys = saved.task_keys, saved.under_keys, saved.drafting_keys
        new._task_dependents, new._under, new._drafting_dependents = (
            _reverse(saved.task_keys),
            _reverse(saved.under_keys),
            _reverse(saved.drafting_keys),
        )
        new.tasks = TextIndex.open(new.normaliser, home / "tasks")
        new.agency_index = TextIndex.open(new.normaliser, home / "agencies")
        new.indicator_index = TextIndex.open(new.normaliser, home / "indicators")
        new.cache, new.lock = {}, threading.Lock()
        return new

    def save(self, store: PolicyStore) -> bool:
        """Save the records beside an on-disk store, at the stamp they were read at, and remove the
        tantivy directories of earlier builds (a request still on one keeps its open files)."""
        home = self.home
        if store.derived_dir is None or self.basis is None or home is None or home.parent != store.derived_dir:
            return False
        saved = SavedIndex(
            self.basis, _pack(self.records()), home.name, self._task_keys, self._under_keys, self._drafting_keys
        )
        if not save_derived(store.derived_dir, _SAVED_NAME, self.stamp, saved):
            return False
        for other in store.derived_dir.glob(f"{_SAVED_NAME}-*"):
            if other != home and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        return True

    def refreshed(self, store: PolicyStore, terms: Iterable[str] | None = ()) -> SearchIndex:
        """This index brought up to the store's data: itself when nothing changed, an updated copy when
        the store says which IRIs its writes touched (``changes_since``), else a full build.

        ``terms`` (default: ask the store) is for callers that know what they changed.
        """
        generation, stamp = store.current_generation(), store.stamp
        if terms == ():
            if generation == self.generation:
                return self
            terms = store.changes_since(self.generation)
        if terms is None or self.basis is None:
            return type(self).build(store)
        touched = sorted(t for t in terms if not t.startswith("_:"))
        if len(touched) > _INCREMENTAL_LIMIT:
            return type(self).build(store)
        basis = read_basis(store)
        if basis != self.basis:
            # Abbreviations, document classes or roles changed: every entry may read differently.
            return type(self).build(store)
        return self._updated(store, touched, basis, generation, stamp)

    def _updated(
        self, store: PolicyStore, touched: list[str], basis: Basis, generation: int, stamp: str | None
    ) -> SearchIndex:
        """A copy of this index with the records of ``touched`` (and what hangs under them) read again."""
        reread = set(touched)
        for iri in touched:
            reread |= self._under.get(iri, set())
        fresh = Records.read(store, basis, sorted(reread))
        new = object.__new__(type(self))
        new.normaliser, new.generation, new.stamp, new.basis = self.normaliser, generation, stamp, basis
        new.home = self.home  # the same tantivy indexes, changed in place (TextIndex.updated)
        new.lock = threading.Lock()
        old_tables, new_tables = self.records().kinds(), fresh.kinds()
        changed: set[str] = set()
        tables = []
        for old, found in zip(old_tables, new_tables, strict=True):
            table = dict(old)
            for iri in reread:
                before, after = old.get(iri), found.get(iri)
                if before != after:
                    changed.add(iri)
                    if after is None:
                        del table[iri]
                    else:
                        table[iri] = after
            tables.append(table)
        (new.task_records, new.groups, new.meetings, new.documents, new.agencies, new.indicators, new.sources) = tables
        new.task_count = len(new.task_records)
        for name in (
            "_task_keys",
            "_task_dependents",
            "_drafting_keys",
            "_drafting_dependents",
            "_under_keys",
            "_under",
        ):
            setattr(new, name, dict(getattr(self, name)))
        tasks = {t for t in changed if t in self.task_records or t in new.task_records}
        drafted = {d for d in changed if d in self.documents or d in new.documents}
        for iri in changed:
            tasks |= self._task_dependents.get(iri, set())
            drafted |= self._drafting_dependents.get(iri, set())
        redo = sorted(tasks | drafted)
        # One IRI can name both a task and a drafting (a document): both entries go and come back.
        new.tasks = self.tasks.updated(redo, new._task_side_entries(redo, redo))
        agencies = sorted(a for a in changed if a in self.agencies or a in new.agencies)
        new.agency_index = self.agency_index.updated(
            agencies, (new._agency_entry(new.agencies[a]) for a in agencies if a in new.agencies)
        )
        indicators = sorted(i for i in changed if i in self.indicators or i in new.indicators)
        new.indicator_index = self.indicator_index.updated(
            indicators, (new._indicator_entry(new.indicators[i]) for i in indicators if i in new.indicators)
        )
        # Lineage chains read the store, not the records: one that names a touched IRI is read again.
        gone = set(touched)
        with self.lock:
            new.cache = {
                key: value
                for key, value in self.cache.items()
                if key[0] == "lineage"
                and key[1] not in gone
                and not any({i.iri, i.issuer, i.via} & gone for i in value)
            }
        return new

    def _task_side_entries(self, tasks: Sequence[str], documents: Sequence[str]) -> list[Entry]:
        """Entries of the tasks' index for ``tasks`` and the draftings of ``documents``, their
        dependencies recorded (and dropped for IRIs that are no longer tasks or drafted documents)."""
        task_changes: dict[str, tuple[list[str], list[str]]] = {}
        under_changes: dict[str, tuple[list[str], list[str]]] = {}
        drafting_changes: dict[str, tuple[list[str], list[str]]] = {}
        entries: list[Entry] = []
        none = frozenset[str]()
        for iri in tasks:
            task = self.task_records.get(iri)
            if task is None:
                _move(self._task_keys, task_changes, iri, none)
                _move(self._under_keys, under_changes, iri, none)
                continue
            entry, keys = self._task_entry(task)
            _move(self._task_keys, task_changes, iri, keys)
            _move(
                self._under_keys, under_changes, iri, frozenset(filter(None, (task.holder, task.group, task.meeting)))
            )
            entries.append(entry)
        for iri in documents:
            doc = self.documents.get(iri)
            if doc is None or not doc.drafters:
                _move(self._drafting_keys, drafting_changes, iri, none)
                continue
            _move(self._drafting_keys, drafting_changes, iri, frozenset([*doc.drafters, *doc.issuers]))
            entries.append(self._drafting_entry(doc))
        _add_dependents(self._task_dependents, task_changes)
        _add_dependents(self._under, under_changes)
        _add_dependents(self._drafting_dependents, drafting_changes)
        return entries

    # -- entries ------------------------------------------------------------

    def _agency_names(self, iri: str) -> list[str]:
        agency = self.agencies.get(iri)
        if agency is None:
            return []
        return [label.text for label in agency.labels if label.lang != "en"] + agency.alt_labels

    def _document_names(self, iri: str | None) -> list[str]:
        doc = self.documents.get(iri or "")
        if doc is None:
            return []
        return doc.notations + [label.text for label in doc.labels + doc.titles]

    def _task_entry(self, task: TaskRecord) -> tuple[Entry, frozenset[str]]:
        """The task's entry, and the IRIs besides its own whose records it reads."""
        vi, en = _split(task.labels)
        document = task.document(self.groups, self.meetings)
        context: list[str] = []
        group = self.groups.get(task.group or "")
        if group is not None:
            context += [label.text for label in group.labels]
        meeting = self.meetings.get(task.meeting or "")
        if meeting is not None:
            context += [label.text for label in meeting.labels]
        context += self._document_names(document)
        agencies = [agency for agency, _ in task.duties]
        if not agencies and document in self.documents:
            # Nobody is named for the task: the document's drafters answer for it (role "draft").
            agencies = list(self.documents[document].drafters)
        for agency in dict.fromkeys(agencies):
            context += self._agency_names(agency)
        payload = {
            "label": best_label(task.labels) or task.iri,
            "document": document,
            "group": task.group,
            "duties": [list(duty) for duty in sorted(task.duties)],
            "sources": sorted(task.sources),
        }
        keys = frozenset(filter(None, (task.holder, task.group, task.meeting, document, *agencies)))
        return Entry(task.iri, vi=vi, en=en, context=context, keys=sorted(set(agencies)), payload=payload), keys

    def _agency_entry(self, agency: AgencyRecord) -> Entry:
        vi, en = _split(agency.labels)
        return Entry(agency.iri, vi=vi + agency.alt_labels, en=en, context=agency.stated_as)

    def _drafting_entry(self, doc: DocumentRecord) -> Entry:
        """Drafting a document, indexed as one more task of its drafters (role "draft").

        It shares the tasks' index so that its score compares with theirs: "ai soạn thảo
        Kế hoạch 47/KH-UBND?" finds the drafting of 47/KH-UBND among the tasks.
        """
        vi, en = _split(doc.labels + doc.titles)
        context = [name for agency in doc.drafters + doc.issuers for name in self._agency_names(agency)]
        payload = {
            "label": f"{DRAFTING_VI}: {doc.label}",
            "document": doc.iri,
            "group": None,
            "duties": [[agency, "draft"] for agency in sorted(set(doc.drafters))],
            "sources": sorted(set(doc.sources)),
        }
        return Entry(
            doc.iri,
            vi=[f"{DRAFTING_VI} {text}" for text in doc.notations + vi],
            en=[f"drafting {text}" for text in en],
            context=context,
            payload=payload,
        )

    def _indicator_entry(self, indicator: IndicatorRecord) -> Entry:
        vi, en = _split(indicator.labels)
        return Entry(indicator.iri, vi=vi + indicator.alt_labels, en=en, context=indicator.definitions)

    # -- questions ----------------------------------------------------------

    def prepare(self, text: str) -> PreparedQuery:
        """The question as the indexes see it (call :func:`clean_query` on user input first)."""
        return self.normaliser.prepare(text)

    def cached_value(self, kind: str, key: str) -> Any:
        """A value remembered for this index (so for this load of the data), or None."""
        with self.lock:
            return self.cache.get((kind, key))

    def remember(self, kind: str, key: str, value: Any) -> Any:
        """Remember ``value`` for this index; the first value remembered for the key wins."""
        with self.lock:
            return self.cache.setdefault((kind, key), value)

    def cached(self, kind: str, key: str, compute: Callable[[], Any]) -> Any:
        """A value derived from the data, computed once per index (so once per store load)."""
        found = self.cached_value(kind, key)
        return found if found is not None else self.remember(kind, key, compute())


class _Saver:
    """Saves the newest index of each store in one background thread: a request never waits for
    the disk, and a burst of updates writes the last state once rather than every one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[SearchIndex, PolicyStore]] = {}
        self._thread: threading.Thread | None = None

    def submit(self, index: SearchIndex, store: PolicyStore) -> None:
        with self._lock:
            self._pending[id(store)] = (index, store)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="search-index-saver", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return
                _, (index, store) = self._pending.popitem()
            # An index overtaken by a newer write is not worth the disk: the newer one follows.
            if index.generation == store.current_generation():
                index.save(store)

    def wait(self) -> None:
        """Block until every submitted index is saved (tests, benchmarks)."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return
            thread.join()


_SAVER = _Saver()


def save_later(index: SearchIndex, store: PolicyStore) -> None:
    """Save ``index`` beside an on-disk store in the background (nothing for other stores)."""
    if store.derived_dir is not None:
        _SAVER.submit(index, store)


def wait_for_saves() -> None:
    """Block until the indexes handed to :func:`save_later` are saved."""
    _SAVER.wait()
