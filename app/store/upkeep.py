"""Incremental upkeep of what is derived from the named graphs: the union default graph and the rules' graph.

The default graph is the set-union of the named graphs and the rules write a graph of their own
(``PolicyStore.derive``). Rebuilding both after every SPARQL update costs time in proportion to
the whole store; this module keeps them in step with just the triples an update touches.

**Capture.** The update is rewritten so that the engine itself records, in the same request, every
triple each operation may add or remove (its *candidates*, in ``CANDIDATES_GRAPH``): the quads of
``INSERT DATA`` / ``DELETE DATA``, the instantiated templates of ``DELETE … INSERT … WHERE`` (one
more ``GRAPH`` block in the insert template, filled by the same solutions), the content of a graph
before ``CLEAR``, ``DROP``, ``ADD``, ``COPY`` or ``MOVE``. No second parser evaluates anything:
Oxigraph evaluates the user's operations as written, and the copies ride along.

**Sync.** After each operation a fixed sequence brings the union in line for the candidates alone:
a candidate some data graph states is in the union, one no data graph states is not. The kept
count of the union's triples (``load_record``) moves by what entered and left, so nothing counts
the store, and the candidates join ``CHANGED_GRAPH`` (what derived caches must look at). Any superset of the changed triples gives the same union, which is why
the capture may be generous (a ``DELETE`` template instantiated for a quad that was not there).

**Rules.** A rule declares its *focus* (``# focus: ?task``): every triple it derives is about the
focus or about a node minted under the focus's IRI (``<task>/…``). After the user's request, the
foci whose derivation may have changed are those a rule's pattern reaches from a changed IRI
(evaluated on the new data, with that IRI bound to each variable in turn), and those whose derived
triples mention a changed IRI (what the old data derived). Their derived triples are replaced by
the rule run for them alone; the same sync follows. ``PolicyStore.derive`` stays the full rebuild,
and a property test keeps the two equal.

Operations the rewrite does not recognise (``CLEAR ALL``, ``DROP NAMED``, a graph copied from
the default graph, …) make ``capture`` return None: the caller rebuilds in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from app.core.errors import StoreLoadError
from app.core.namespaces import CANDIDATES_GRAPH, CHANGED_GRAPH, DATA_GRAPH_FILTER, DERIVED_GRAPH
from app.sparql.tokens import Token, body, group_end, operations, tokens
from app.sparql.values import VALUES_BATCH, term
from app.store.load_record import delta_count_steps

__all__ = [
    "FocusedRule",
    "capture",
    "changed_iris_query",
    "clear_steps",
    "derived_foci_query",
    "focused_rules",
    "iris",
    "rederive_steps",
    "sync_steps",
]

_C = term(ox.NamedNode(CANDIDATES_GRAPH))
_CHANGED = term(ox.NamedNode(CHANGED_GRAPH))
_DERIVED = term(ox.NamedNode(DERIVED_GRAPH))

_T = "?s ?p ?o"
_STATED = f"EXISTS {{ GRAPH ?g {{ {_T} }} {DATA_GRAPH_FILTER} }}"
_IN_UNION = f"EXISTS {{ {_T} }}"


def sync_steps(*, every: bool = True) -> list[str]:
    """Operations that bring the union default graph in line with the named graphs for the candidates.

    A candidate leaves the union when no data graph states it and joins it when one does; the kept
    count of the union's triples moves by the difference, and the candidates join the changed
    graph: ``every`` one (those of the user's operations: a change of a named graph matters even
    where the union stays the same), else those that entered or left the union (a re-derivation).
    Nothing outlives the operation but the changed graph, which holds triples as they are: a
    later operation of the same request that deletes some of them makes them candidates again.
    """
    cand = f"GRAPH {_C} {{ {_T} }}"
    # Filters, not joins: each is a lookup for a bound triple, where a join with the default graph
    # would be planned as a scan of it.
    gone = f"FILTER({_IN_UNION} && NOT {_STATED})"
    new = f"FILTER(NOT {_IN_UNION} && {_STATED})"
    noted = "" if every else f"FILTER(({_IN_UNION} && NOT {_STATED}) || (NOT {_IN_UNION} && {_STATED}))"
    return [
        *delta_count_steps(f"SELECT (COUNT(*) AS ?gained) WHERE {{ {cand} {new} }}",
                           f"SELECT (COUNT(*) AS ?lost) WHERE {{ {cand} {gone} }}"),
        f"INSERT {{ GRAPH {_CHANGED} {{ {_T} }} }} WHERE {{ {cand} {noted} }}",
        f"DELETE {{ {_T} }} WHERE {{ {cand} {gone} }}",
        f"INSERT {{ {_T} }} WHERE {{ {cand} {new} }}",
        f"DROP SILENT GRAPH {_C}",
    ]


def clear_steps() -> list[str]:
    """Operations that drop the upkeep's graphs (before an update, and once its changes were read)."""
    return [f"DROP SILENT GRAPH {g}" for g in (_C, _CHANGED)]


# ---------------------------------------------------------------------------------- capture


def _triples_text(text: str, toks: Sequence[Token], start: int, end: int) -> str:
    """The text of ``toks[start:end]`` without leading or trailing ``.`` (a TriplesTemplate)."""
    while start < end and toks[start].text == ".":
        start += 1
    while end > start and toks[end - 1].text == ".":
        end -= 1
    return text[toks[start].start : toks[end - 1].end] if start < end else ""


def _flatten(text: str, toks: Sequence[Token], open_index: int) -> str | None:
    """The triples of the quad block opened at ``toks[open_index]``, each ``GRAPH … { }`` unwrapped.

    None when the block holds something other than triples and GRAPH blocks (not a template).
    """
    close = group_end(toks, open_index)
    pieces: list[str] = []
    i = open_index + 1
    while i < close:
        if toks[i].is_keyword("GRAPH"):
            if i + 2 >= close or toks[i + 2].text != "{":
                return None
            inner_end = group_end(toks, i + 2)
            if any(t.text in ("{", "}") for t in toks[i + 3 : inner_end]):
                return None
            pieces.append(_triples_text(text, toks, i + 3, inner_end))
            i = inner_end + 1
            continue
        j = i
        while j < close and not toks[j].is_keyword("GRAPH"):
            if toks[j].text in ("{", "}"):
                return None
            j += 1
        pieces.append(_triples_text(text, toks, i, j))
        i = j
    return " .\n".join(p for p in pieces if p)


def _graph_term(toks: Sequence[Token], i: int) -> tuple[str | None, int]:
    """The graph named at ``toks[i]`` (``GRAPH <g>``, ``<g>``; None for DEFAULT/NAMED/ALL) and the next index."""
    if i < len(toks) and toks[i].is_keyword("GRAPH"):
        i += 1
    if i >= len(toks):
        return None, i
    token = toks[i]
    if token.is_keyword("DEFAULT", "NAMED", "ALL"):
        return None, i + 1
    return token.text, i + 1


def _copy_of(graph: str) -> str:
    return f"INSERT {{ GRAPH {_C} {{ {_T} }} }} WHERE {{ GRAPH {graph} {{ {_T} }} }}"


def _separated(toks: Sequence[Token], close: int) -> str:
    """What must precede one more GRAPH block placed before the ``}`` at ``toks[close]``."""
    return "" if toks[close - 1].text in ("{", "}", ".") else " ."


def _capture_operation(text: str, op: list[Token]) -> list[tuple[int, str]] | None:
    """Insertions into ``text`` that make ``op`` record its candidates (None: not capturable)."""
    b = body(op)
    if not b:
        return []
    head = b[0]
    k = 2 if head.is_keyword("WITH") else 0
    if k >= len(b):
        return None
    first = b[k]
    before = head.start
    if first.is_keyword("INSERT", "DELETE") and k + 1 < len(b) and b[k + 1].is_keyword("DATA"):
        if k + 2 >= len(b) or b[k + 2].text != "{":
            return None
        flat = _flatten(text, b, k + 2)
        if flat is None:
            return None
        if not flat:
            return []
        if first.is_keyword("DELETE"):  # DELETE DATA holds no blank node: a separate copy means the same
            return [(before, f"INSERT DATA {{ GRAPH {_C} {{ {flat} }} }} ;\n")]
        # In the same block, so a blank node of INSERT DATA is the same node in the copy.
        close = group_end(b, k + 2)
        return [(b[close].start, f" GRAPH {_C} {{ {flat} }} ")]
    if first.is_keyword("DELETE") and k + 1 < len(b) and b[k + 1].is_keyword("WHERE"):
        if k + 2 >= len(b) or b[k + 2].text != "{":
            return None
        close = group_end(b, k + 2)
        flat = _flatten(text, b, k + 2)
        if flat is None:
            return None
        pattern = text[b[k + 2].start : b[close].end]
        return [(b[k + 1].start, f"{pattern} INSERT {{ GRAPH {_C} {{ {flat} }} }} ")]
    if first.is_keyword("INSERT", "DELETE"):
        templates: list[str] = []
        i = k
        insert_close: int | None = None
        delete_close: int | None = None
        while i < len(b) and b[i].is_keyword("INSERT", "DELETE"):
            if i + 1 >= len(b) or b[i + 1].text != "{":
                return None
            flat = _flatten(text, b, i + 1)
            if flat is None:
                return None
            templates.append(flat)
            close = group_end(b, i + 1)
            if b[i].is_keyword("INSERT"):
                insert_close = close
            else:
                delete_close = close
            i = close + 1
        flat = " .\n".join(t for t in templates if t)
        if not flat:
            return []
        block = f"GRAPH {_C} {{ {flat} }}"
        if insert_close is not None:
            return [(b[insert_close].start, f"{_separated(b, insert_close)} {block} ")]
        assert delete_close is not None
        return [(b[delete_close].end, f" INSERT {{ {block} }}")]
    if first.is_keyword("CLEAR", "DROP"):
        i = k + 1
        if i < len(b) and b[i].is_keyword("SILENT"):
            i += 1
        graph, _ = _graph_term(b, i)
        return None if graph is None else [(before, _copy_of(graph) + " ;\n")]
    if first.is_keyword("ADD", "COPY", "MOVE"):
        i = k + 1
        if i < len(b) and b[i].is_keyword("SILENT"):
            i += 1
        source, i = _graph_term(b, i)
        if i >= len(b) or not b[i].is_keyword("TO"):
            return None
        target, _ = _graph_term(b, i + 1)
        if source is None or target is None:
            return None
        return [(before, f"{_copy_of(source)} ;\n{_copy_of(target)} ;\n")]
    if first.is_keyword("CREATE"):
        return []
    return None


def capture(text: str, first: Sequence[str] = ()) -> str | None:
    """``text`` rewritten so that each operation records its candidates and syncs the union after it.

    ``first``: operations to run before the user's (after the request's prologue: Oxigraph reads
    no prologue after a ``;``). None when an operation cannot be captured (the caller then
    rebuilds the union in full).
    """
    ops = operations(text)
    if not ops or not body(ops[0]):
        return None
    sync = "\n;\n" + "\n;\n".join(sync_steps())
    edits: list[tuple[int, str]] = []
    if first:
        edits.append((body(ops[0])[0].start, "\n;\n".join(first) + "\n;\n"))
    for op in ops:
        found = _capture_operation(text, op)
        if found is None:
            return None
        edits += found
        if found:
            edits.append((op[-1].end, sync))
    # Last position first, so earlier positions stay valid; at one position the later insertion
    # first, so the insertions keep their order.
    for _, position, insertion in sorted(((i, p, t) for i, (p, t) in enumerate(edits)), key=lambda e: (e[1], e[0]), reverse=True):
        text = text[:position] + insertion + text[position:]
    return text


# ---------------------------------------------------------------------------------- rules


_FOCUS = re.compile(r"^#\s*focus:\s*\?(\w+)\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class FocusedRule:
    """A rule (an ``INSERT { GRAPH <derived> {…} } WHERE {…}``) and what incremental upkeep needs of it."""

    operation: str
    focus: str
    #: Where its WHERE group's ``{`` ends: a VALUES block inserted there restricts the rule.
    where_open: int
    #: The WHERE group's inside, as text (to evaluate with a variable bound).
    where_body: str
    #: Where its INSERT template's ``}`` starts, and the template's triples (for the candidates copy).
    template_close: int
    template_triples: str
    #: The variables of the WHERE group's required triple patterns (``_required_variables``).
    variables: tuple[str, ...]

    def restricted(self, foci: Sequence[str]) -> str:
        """The rule run for ``foci`` alone, copying what it derives into the candidates."""
        values = f" VALUES ?{self.focus} {{ {' '.join(term(ox.NamedNode(f)) for f in foci)} }} "
        copy = f" GRAPH {_C} {{ {self.template_triples} }} "
        text = self.operation
        # The template comes before the WHERE group, so each cut is made in the original text.
        return (
            text[: self.template_close] + copy + text[self.template_close : self.where_open]
            + values + text[self.where_open :]
        )

    def construct(self) -> str:
        """The rule as a CONSTRUCT query: what it derives, for a bulk load to write."""
        return f"CONSTRUCT {{ {self.template_triples} }} WHERE {{ {self.where_body} }}"

    def reached_query(self, variable: str, values: Sequence[ox.NamedNode]) -> str:
        """A SELECT of the foci the rule's pattern reaches with ``?variable`` bound to one of ``values``."""
        listed = " ".join(term(v) for v in values)
        return f"SELECT DISTINCT ?{self.focus} WHERE {{ VALUES ?{variable} {{ {listed} }} {self.where_body} }}"


def _required_variables(inner: Sequence[Token]) -> tuple[str, ...]:
    """The variables of the WHERE group's own triple patterns (outside nested groups and parentheses).

    Binding one of them to a changed IRI finds every solution that IRI takes part in. A variable
    only OPTIONAL, a filter or a BIND mentions cannot be bound so: the optional part would match
    anyway and every focus would come back. Changes reaching a focus only through such a part are
    found through what it derived (``derived_foci_query``) or through the triple's other end.
    """
    found: dict[str, None] = {}
    braces = parens = 0
    for j, token in enumerate(inner):
        if token.text in "{}" and token.kind == "punct":
            braces += 1 if token.text == "{" else -1
        elif token.text in "()" and token.kind == "punct":
            parens += 1 if token.text == "(" else -1
        elif token.kind == "var" and braces == 0 and parens == 0 and not (j and inner[j - 1].is_keyword("AS")):
            found[token.text[1:]] = None
    return tuple(found)


def _focused(operation: str, source: str, path: Path) -> FocusedRule | None:
    found = _FOCUS.search(source)
    if found is None:
        return None
    focus = found.group(1)
    toks = list(tokens(operation))
    if not toks or not toks[0].is_keyword("INSERT") or len(toks) < 2 or toks[1].text != "{":
        raise StoreLoadError(path, "a rule with a focus must be one INSERT { … } WHERE { … } operation")
    template_close = group_end(toks, 1)
    triples = _flatten(operation, toks, 1)
    i = template_close + 1
    if i >= len(toks) or not toks[i].is_keyword("WHERE") or i + 1 >= len(toks) or toks[i + 1].text != "{":
        raise StoreLoadError(path, "a rule with a focus must be one INSERT { … } WHERE { … } operation")
    where_close = group_end(toks, i + 1)
    if any(t.text == ";" for t in toks[where_close + 1 :]):
        raise StoreLoadError(path, "a rule with a focus must be one operation")
    variables = _required_variables(toks[i + 2 : where_close])
    if focus not in variables:
        raise StoreLoadError(path, f"the rule's focus ?{focus} is not a variable of its WHERE pattern")
    if triples is None:
        raise StoreLoadError(path, "the rule's INSERT template is not a quad template")
    inner = toks[2:template_close]
    if len(inner) < 3 or not inner[0].is_keyword("GRAPH") or inner[1].text != _DERIVED or group_end(toks, 4) != template_close - 1:
        raise StoreLoadError(path, f"a rule with a focus writes one GRAPH {_DERIVED} {{ … }} block")
    return FocusedRule(
        operation=operation,
        focus=focus,
        where_open=toks[i + 1].end,
        where_body=operation[toks[i + 1].end : toks[where_close].start],
        template_close=toks[template_close].start,
        template_triples=triples,
        variables=variables,
    )


def focused_rules(operations_: Sequence[str], sources: Sequence[str], paths: Sequence[Path]) -> list[FocusedRule] | None:
    """The rules with their foci; None when one of them declares none (it can only run in full)."""
    rules: list[FocusedRule] = []
    for operation, source, path in zip(operations_, sources, paths, strict=True):
        rule = _focused(operation, source, path)
        if rule is None:
            return None
        rules.append(rule)
    return rules


def derived_foci_query(values: Sequence[ox.NamedNode]) -> str:
    """A SELECT of the derived nodes that mention one of ``values``, and the nodes linking to them."""
    listed = " ".join(term(v) for v in values)
    return (
        f"SELECT DISTINCT ?n ?f WHERE {{ VALUES ?t {{ {listed} }} GRAPH {_DERIVED} {{ "
        f"{{ ?n ?x ?t }} UNION {{ ?t ?x ?y BIND(?t AS ?n) }} OPTIONAL {{ ?f ?l ?n }} }} }}"
    )


def rederive_steps(rules: Sequence[FocusedRule], foci: Sequence[str]) -> list[str]:
    """Operations that replace the derived triples of ``foci`` by what the rules derive for them now."""
    steps: list[str] = []
    for start in range(0, len(foci), VALUES_BATCH):
        batch = " ".join(term(ox.NamedNode(f)) for f in foci[start : start + VALUES_BATCH])
        steps.append(
            f"INSERT {{ GRAPH {_C} {{ {_T} }} }} WHERE {{ VALUES ?f {{ {batch} }} GRAPH {_DERIVED} {{ "
            f"{{ ?f ?p ?o BIND(?f AS ?s) }} UNION "
            f'{{ ?f ?l ?s . ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), CONCAT(STR(?f), "/"))) }} }} }}'
        )
    steps.append(f"DELETE {{ GRAPH {_DERIVED} {{ {_T} }} }} WHERE {{ GRAPH {_C} {{ {_T} }} }}")
    for rule in rules:
        for start in range(0, len(foci), VALUES_BATCH):
            steps.append(rule.restricted(foci[start : start + VALUES_BATCH]))
    return steps + sync_steps(every=False)


def changed_iris_query() -> str:
    """A SELECT of the IRIs that are subjects or objects of the changed triples."""
    return f"SELECT DISTINCT ?t WHERE {{ GRAPH {_CHANGED} {{ {{ ?t ?p ?o }} UNION {{ ?s ?p ?t }} }} FILTER(isIRI(?t)) }}"


def iris(values: Iterable[object]) -> list[ox.NamedNode]:
    """The IRIs among ``values``, each once, in order."""
    return list(dict.fromkeys(v for v in values if isinstance(v, ox.NamedNode)))
