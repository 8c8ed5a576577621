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
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise
from typing import Any

import pyoxigraph as ox
import tantivy

from app.core.labels import Label, best_label, label_of
from app.core.text import fold, nfc
from app.search.normalise import MAX_QUERY_CHARS, NOT_BLANK, clean_query, optional_query
from app.sparql.values import values
from app.store.policy_store import PolicyStore, term_text, to_python

__all__ = [
    "DRAFTING_VI",
    "MAX_QUERY_CHARS",
    "NOT_BLANK",
    "AgencyRecord",
    "DocumentRecord",
    "Entry",
    "GroupRecord",
    "Hit",
    "PreparedQuery",
    "SearchIndex",
    "TaskRecord",
    "TextIndex",
    "TextNormaliser",
    "clean_query",
    "load_abbreviations",
    "optional_query",
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
    re.compile(
        r"\s*(?:la|thi)?\s*(?:ai|co quan nao|don vi nao|do ai (?:phu trach|thuc hien|chu tri|lam))"
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
    """A tantivy index in memory over entries of one kind."""

    def __init__(self, normaliser: TextNormaliser, entries: Iterable[Entry]) -> None:
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
        self._index = tantivy.Index(self.schema)
        self._index.register_tokenizer("policykg_vi", normaliser.vi_analyzer)
        self._index.register_tokenizer("policykg_en", normaliser.en_analyzer)
        self._index.register_tokenizer("policykg_pairs", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
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

    def _document(self, entry: Entry) -> tantivy.Document:
        norm = self.normaliser
        doc = tantivy.Document()
        doc.add_text("iri", entry.iri)
        for key in entry.keys:
            doc.add_text("key", key)
        for field_name, texts, english in (("vi", entry.vi, False), ("ctx", entry.context, False), ("en", entry.en, True)):
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


def _collect(
    store: PolicyStore,
    queries: Iterable[tuple[str, str]],
    make: Callable[[str], Any],
    apply: Callable[[Any, str, Value, str | None], None],
) -> dict[str, Any]:
    """Records by subject IRI, built by ``apply(record, key, value, aux)`` over every fact query."""
    records: dict[str, Any] = {}
    for key, query in queries:
        for subject, value, aux in _fact_rows(store, query):
            record = records.get(subject)
            if record is None:
                record = records[subject] = make(subject)
            apply(record, key, value, aux)
    return records


def _document_queries(store: PolicyStore) -> list[tuple[str, str]]:
    """The document fact queries with the classes of policy documents spelled out."""
    classes = [row["c"] for row in store.select(_DOCUMENT_CLASSES) if isinstance(row["c"], ox.NamedNode)]
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


class SearchIndex:
    """Indexes of tasks, agencies, documents and indicators, with the records they were built from.

    Built by :meth:`build` from a store; ``generation`` is the store's generation at build time.
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
    ) -> None:
        self.normaliser = normaliser
        self.groups = dict(groups)
        self.meetings = dict(meetings)
        self.documents = dict(documents)
        self.agencies = dict(agencies)
        self.indicators = dict(indicators)
        self.sources = dict(sources)
        self.generation = generation
        self.task_count = len(tasks)
        drafting = (self._drafting_entry(d) for d in self.documents.values() if d.drafters)
        self.tasks = TextIndex(normaliser, chain((self._task_entry(t) for t in tasks.values()), drafting))
        self.agency_index = TextIndex(normaliser, (self._agency_entry(a) for a in self.agencies.values()))
        self.indicator_index = TextIndex(normaliser, (self._indicator_entry(i) for i in self.indicators.values()))
        # Per-index caches of derived answers (lineage of a document): valid as long as the index.
        self.cache: dict[tuple[str, str], Any] = {}
        self.lock = threading.Lock()

    @classmethod
    def build(cls, store: PolicyStore, normaliser: TextNormaliser | None = None) -> SearchIndex:
        """Read the store and index it (with the store's abbreviations unless ``normaliser`` is given)."""
        generation = store.current_generation()
        tasks = _collect(store, _TASK_FACTS, TaskRecord, _apply_task)
        groups = _collect(store, _GROUP_FACTS, GroupRecord, _apply_group)
        meetings = _collect(store, _MEETING_FACTS, MeetingRecord, _apply_meeting)
        documents = _collect(store, _document_queries(store), DocumentRecord, _apply_document)
        agencies = _collect(store, _AGENCY_FACTS, AgencyRecord, _apply_agency)
        indicators = _collect(store, _INDICATOR_FACTS, IndicatorRecord, _apply_indicator)
        titles: dict[str, list[Label]] = {}
        for subject, value, _ in _fact_rows(store, _SOURCES):
            titles.setdefault(subject, []).append(label_of(value))
        sources = {iri: best_label(labels) or iri for iri, labels in titles.items()}
        return cls(
            normaliser or TextNormaliser(load_abbreviations(store)),
            tasks=tasks,
            groups=groups,
            meetings=meetings,
            documents=documents,
            agencies=agencies,
            indicators=indicators,
            sources=sources,
            generation=generation,
        )

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

    def _task_entry(self, task: TaskRecord) -> Entry:
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
        return Entry(task.iri, vi=vi, en=en, context=context, keys=sorted(set(agencies)), payload=payload)

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
