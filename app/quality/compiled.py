"""SHACL shapes compiled to SPARQL queries that Oxigraph runs on the store itself.

pySHACL needs the whole graph copied into rdflib and evaluates every constraint focus node by
focus node in Python (1,951 s and 9.5 GB at 1 M quads). The shapes of ``shapes/`` use a small
part of SHACL Core (targets by class or subject, predicate and inverse paths, min/maxCount,
class, datatype, in, hasValue, minLength, minInclusive, uniqueLang, a qualified languageIn,
sh:or of simple shapes) plus SHACL-SPARQL constraints: each constraint becomes one query that
returns its violations for every focus node at once, or for the focus nodes a ``VALUES`` block
names (incremental validation). A shape using anything else is not compiled: it is listed in
:attr:`CompiledShapes.unsupported` and validated by pySHACL instead (``app.quality.fast``).

Findings are the ones pySHACL gives (tests/quality/test_fast_validation.py proves it rule by
rule): same rule id, severity, focus, path, value and messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from app.core.namespaces import compact

__all__ = ["Check", "CompiledShapes", "Unsupported", "compile_shapes", "subclass_closure"]

SHAPES_NS = "https://w3id.org/policykg/shapes#"
_TARGETS = (SH.targetClass, SH.targetSubjectsOf)
# Keys a shape may carry that do not constrain anything.
_INERT = {RDF.type, RDFS.comment, RDFS.label, SH.message, SH.severity, SH.name, SH.description,
          SH.targetClass, SH.targetSubjectsOf, SH.path, SH.property, SH.sparql, SH.order, SH.group}
# Datatypes whose ill-formed literals (``"abc"^^xsd:date``) an XPath cast detects.
_CASTABLE = {XSD.date, XSD.gYear, XSD.decimal, XSD.integer, XSD.boolean, XSD.dateTime, XSD.double}
_FOCUS = "{FOCUS}"
_SUBCLASSES = re.compile(r"\{SUBCLASSES <([^>]*)>\}")


class Unsupported(Exception):
    """A shape uses a constraint the compiler does not translate."""


@dataclass(frozen=True, slots=True)
class Check:
    """One constraint of one shape, as a SPARQL SELECT over the store's union default graph.

    The query projects ``?this`` (the focus node) and, when the constraint reports one, ``?value``
    (and ``?path`` for SHACL-SPARQL); ``{FOCUS}`` in it stands for the focus-node pattern.
    ``reads``: the property paths (SPARQL syntax) from a focus node to the nodes whose
    description the result depends on besides the focus node's own triples (the values of an
    ``sh:class`` constraint): a change to such a node revalidates the focus nodes reaching it.
    ``local``: the result depends only on the focus node and what ``reads`` reaches; a
    SHACL-SPARQL constraint may read anything, so it is rerun in full after a change.
    """

    key: str
    rule: str
    source: str
    severity: str
    query: str
    focus_pattern: str
    messages: tuple[str | None, str | None]  # (en, vi) templates
    path: str | None = None  # compact path reported with each finding
    reads: tuple[str, ...] = ()
    local: bool = True
    sparql: bool = False  # SHACL-SPARQL: messages are templates, ?path/?value come from the row

    def focus_query(self, hierarchy: dict[str, list[str]]) -> str:
        """A query of the check's focus nodes (``?this``)."""
        return _SUBCLASSES.sub(lambda m: " ".join(f"<{c}>" for c in hierarchy.get(m.group(1), [m.group(1)])),
                               f"SELECT DISTINCT ?this WHERE {{ {self.focus_pattern} }}")

    def text(self, hierarchy: dict[str, list[str]], focus: Iterable[str] | None = None) -> str:
        """The query, for every focus node (``focus`` None) or only for the IRIs ``focus`` lists.

        ``hierarchy``: each class with its subclasses (``subclass_closure``), as the store states them.
        """
        pattern = self.focus_pattern
        if focus is not None:
            values = " ".join(f"<{iri}>" for iri in focus)
            pattern = f"VALUES ?this {{ {values} }} {pattern}"
        text = self.query.replace(_FOCUS, pattern)
        return _SUBCLASSES.sub(lambda m: " ".join(f"<{c}>" for c in hierarchy.get(m.group(1), [m.group(1)])), text)


@dataclass
class CompiledShapes:
    """The checks of a shapes graph, and the shapes left to pySHACL with the reason."""

    checks: list[Check] = field(default_factory=list)
    unsupported: dict[str, str] = field(default_factory=dict)  # shape IRI -> why


def compile_shapes(shapes: rdflib.Graph) -> CompiledShapes:
    """Compile every targeted named shape of ``shapes``; shapes it cannot translate are listed."""
    out = CompiledShapes()
    named = sorted({s for t in _TARGETS for s in shapes.subjects(t, None) if isinstance(s, URIRef)}, key=str)
    for shape in named:
        try:
            out.checks.extend(_Compiler(shapes, shape).checks())
        except Unsupported as exc:
            out.unsupported[str(shape)] = str(exc)
    return out


def _iri(node: rdflib.term.Node) -> str:
    if not isinstance(node, URIRef):
        raise Unsupported(f"expected an IRI, found {node!r}")
    return f"<{node}>"


def _term(node: rdflib.term.Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node!r} as a constant")


def _local(node: rdflib.term.Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _classes(cls: rdflib.term.Node) -> str:
    """A placeholder for ``cls`` and its subclasses, filled in by :meth:`Check.text` from the store's hierarchy.

    Oxigraph joins a VALUES list of classes with ``rdf:type`` at once; ``rdf:type/rdfs:subClassOf*``
    inside EXISTS it evaluated anew for every solution.
    """
    return "{SUBCLASSES " + _iri(cls) + "}"


def _type_pattern(var: str, cls: rdflib.term.Node, n: str) -> str:
    return f"{var} <{RDF.type}> ?{n} VALUES ?{n} {{ {_classes(cls)} }}"


def _is_a(var: str, cls: rdflib.term.Node) -> str:
    return f"EXISTS {{ {_type_pattern(var, cls, 'policykgClass' + var.lstrip('?'))} }}"


def subclass_closure(edges: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Each class with itself and all its subclasses (from ``rdfs:subClassOf`` edges sub → super)."""
    children: dict[str, set[str]] = {}
    for sub, sup in edges:
        children.setdefault(sup, set()).add(sub)
    closure: dict[str, list[str]] = {}
    for cls in children:
        seen, stack = {cls}, [cls]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        closure[cls] = sorted(seen)
    return closure


def _block_end(text: str, start: int) -> int:
    """The index just past the ``}`` closing the ``{`` at ``start`` (quoted strings skipped)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise Unsupported("unbalanced braces in a SPARQL constraint")


def _subproperties(body: str, prefixes: dict[str, str]) -> str:
    """``?p rdfs:subPropertyOf* X`` as ``VALUES ?p { X and its subproperties }`` (the store's, at run time).

    The same bindings; Oxigraph otherwise scans every triple of the graph for ``?s ?p ?o`` and
    tests the path on each predicate.
    """
    def expand(name: str) -> str:
        if name.startswith("<"):
            return name
        prefix, _, local = name.partition(":")
        if prefix not in prefixes:
            raise Unsupported(f"unknown prefix in {name}")
        return f"<{prefixes[prefix]}{local}>"

    def values(m: re.Match[str]) -> str:
        return f"VALUES {m.group(1)} {{ {{SUBCLASSES {expand(m.group(2))}}} }} "

    return re.sub(r"(\?[A-Za-z_]\w*)\s+rdfs:subPropertyOf\*\s+(<[^>]+>|[A-Za-z][\w-]*:[\w-]+)\s*\.?", values, body)


def _negations_last(body: str) -> str:
    """Each top-level ``FILTER NOT EXISTS { P }`` moved to the end as ``MINUS { P }`` (P a plain
    pattern sharing ``?this``) or ``OPTIONAL { P BIND(true AS ?m) } FILTER (!BOUND(?m))``.

    The same solutions (P's own variables are private to it, and every variable it shares with
    the group is bound by the patterns before it): Oxigraph evaluates a NOT EXISTS without the
    group's bindings, once per solution, so a rule that pySHACL runs per focus node in
    milliseconds took minutes; a MINUS is one anti-join.
    """
    out, tail, pos, n = [], [], 0, 0
    for match in re.finditer(r"FILTER\s+NOT\s+EXISTS\s*\{", body, re.I):
        if match.start() < pos or body[:match.start()].count("{") != body[:match.start()].count("}"):
            continue  # nested inside another group: left as it is
        end = _block_end(body, match.end() - 1)
        n += 1
        out.append(body[pos:match.start()])
        inner = body[match.end():end - 1]
        if re.search(r"\b(FILTER|BIND|EXISTS|OPTIONAL)\b", inner, re.I) or not re.search(r"\?this\b", inner):
            tail.append(f"OPTIONAL {{ {inner} BIND (true AS ?policykgAbsent{n}) }} FILTER (!BOUND(?policykgAbsent{n}))")
        else:
            # Nothing in it reads the group's variables but through shared, bound ones: MINUS is the same.
            tail.append(f"MINUS {{ {inner} }}")
        pos = end
    out.append(body[pos:])
    return " ".join(["".join(out), *tail])


class _Compiler:
    """The checks of one named shape and the property shapes it holds."""

    def __init__(self, shapes: rdflib.Graph, shape: URIRef) -> None:
        self.g = shapes
        self.shape = shape
        self.rule = _local(shape)
        self.focus = self._focus_pattern()
        self.n = 0

    # -- helpers ---------------------------------------------------------

    def _one(self, node: rdflib.term.Node, pred: rdflib.term.Node) -> rdflib.term.Node | None:
        values = list(self.g.objects(node, pred))
        if len(values) > 1:
            raise Unsupported(f"{compact(str(pred))} given {len(values)} times")
        return values[0] if values else None

    def _focus_pattern(self) -> str:
        parts = [f"{{ {_type_pattern('?this', c, 'policykgTarget')} }}" for c in self.g.objects(self.shape, SH.targetClass)]
        parts += [f"{{ ?this {_iri(p)} [] }}" for p in self.g.objects(self.shape, SH.targetSubjectsOf)]
        for other in (SH.targetNode, SH.targetObjectsOf, SH.target):
            if (self.shape, other, None) in self.g:
                raise Unsupported(f"target {compact(str(other))}")
        return "{ " + " UNION ".join(sorted(parts)) + " }"

    def _messages(self, node: rdflib.term.Node) -> tuple[str | None, str | None]:
        msgs = [m for m in self.g.objects(node, SH.message) if isinstance(m, Literal)]
        if not msgs:
            raise Unsupported("no sh:message (pySHACL's generated messages are not reproduced)")
        en = next((str(m) for m in msgs if m.language == "en"), None)
        plain = next((str(m) for m in msgs if m.language is None), None)
        vi = next((str(m) for m in msgs if m.language == "vi"), None)
        return en or plain or str(msgs[0]), vi

    def _severity(self, node: rdflib.term.Node) -> str:
        sev = self._one(node, SH.severity)
        return _local(sev) if sev is not None else "Violation"

    def _path(self, node: rdflib.term.Node) -> tuple[str, str]:
        """The SPARQL text and the compact rendering of a shape's sh:path."""
        path = self._one(node, SH.path)
        if isinstance(path, URIRef):
            return f"<{path}>", compact(str(path))
        if isinstance(path, BNode):
            inverse = self._one(path, SH.inversePath)
            if isinstance(inverse, URIRef) and len(set(self.g.predicate_objects(path))) == 1:
                return f"^<{inverse}>", "^" + compact(str(inverse))
        raise Unsupported(f"path {path!r}")

    def _check(self, node: rdflib.term.Node, body: str, *, path: str | None, value: bool,
               reads: tuple[str, ...] = (), group: bool = False) -> Check:
        self.n += 1
        select = "?this ?value" if value else "?this"
        where = body if group else f"{_FOCUS} {body}"
        return Check(
            key=f"{self.rule}#{self.n}", rule=self.rule, source=str(self.shape), severity=self._severity(node),
            query=f"SELECT DISTINCT {select} WHERE {{ {where} }}", focus_pattern=self.focus,
            messages=self._messages(node), path=path, reads=reads,
        )

    # -- shapes -----------------------------------------------------------

    def checks(self) -> Iterator[Check]:
        shape = self.shape
        if (shape, SH.path, None) in self.g:
            yield from self._property(shape)
        else:
            yield from self._node(shape)

    def _node(self, shape: rdflib.term.Node) -> Iterator[Check]:
        keys = set(self.g.predicates(shape, None))
        unknown = keys - _INERT - {SH["or"]}
        if unknown:
            raise Unsupported("node constraints " + ", ".join(sorted(compact(str(k)) for k in unknown)))
        for members in self.g.objects(shape, SH["or"]):
            conds = [self._conforms(m, "?this") for m in Collection(self.g, members)]
            yield self._check(shape, f"FILTER (!({' || '.join(conds)}))", path=None, value=False,
                              reads=tuple(p for m in Collection(self.g, members) for p in self._paths_of(m)))
        for prop in self.g.objects(shape, SH.property):
            yield from self._property(prop)
        for constraint in self.g.objects(shape, SH.sparql):
            yield self._sparql(constraint)

    def _paths_of(self, member: rdflib.term.Node) -> list[str]:
        return [self._path(member)[0]] if (member, SH.path, None) in self.g else []

    def _conforms(self, member: rdflib.term.Node, var: str) -> str:
        """A SPARQL expression true when ``var`` conforms to the (simple) shape ``member``."""
        keys = set(self.g.predicates(member, None)) - {RDF.type, RDFS.comment, RDFS.label}
        conds = []
        if SH.path in keys:
            path, _ = self._path(member)
            for key in keys - {SH.path}:
                value = self._one(member, key)
                assert value is not None
                if key == SH.minCount and value == Literal(1):
                    conds.append(f"EXISTS {{ {var} {path} ?m }}")
                elif key == SH.hasValue:
                    conds.append(f"EXISTS {{ {var} {path} {_term(value)} }}")
                elif key == SH["class"]:
                    conds.append(f"NOT EXISTS {{ {var} {path} ?m FILTER (!{_is_a('?m', value)}) }}")
                else:
                    raise Unsupported(f"{compact(str(key))} inside sh:or")
        else:
            for key in keys:
                value = self._one(member, key)
                assert value is not None
                if key == SH["class"]:
                    conds.append(_is_a(var, value))
                else:
                    raise Unsupported(f"{compact(str(key))} inside sh:or")
        if not conds:
            raise Unsupported("an empty shape inside sh:or")
        return "(" + " && ".join(conds) + ")"

    def _property(self, prop: rdflib.term.Node) -> Iterator[Check]:
        path, shown = self._path(prop)
        keys = set(self.g.predicates(prop, None))
        handled = {SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH["in"], SH.hasValue, SH.minLength,
                   SH.minInclusive, SH.uniqueLang, SH.qualifiedValueShape, SH.qualifiedMinCount, SH["or"]}
        unknown = keys - _INERT - handled
        if unknown or (prop, SH.sparql, None) in self.g or (prop, SH.property, None) in self.g:
            raise Unsupported("property constraints " + ", ".join(sorted(compact(str(k)) for k in unknown)))

        def value_check(condition: str, reads: tuple[str, ...] = ()) -> Check:
            return self._check(prop, f"?this {path} ?value FILTER ({condition})", path=shown, value=True, reads=reads)

        def count(value: rdflib.term.Node | None) -> int:
            if not (isinstance(value, Literal) and isinstance(value.toPython(), int)):
                raise Unsupported(f"count {value!r}")
            return int(value.toPython())

        if (n := self._one(prop, SH.minCount)) is not None:
            if count(n) != 1:
                raise Unsupported("sh:minCount other than 1")
            yield self._check(prop, f"FILTER NOT EXISTS {{ ?this {path} ?v }}", path=shown, value=False)
        if (n := self._one(prop, SH.maxCount)) is not None:
            body = (f"{{ SELECT ?this WHERE {{ {_FOCUS} ?this {path} ?v }} GROUP BY ?this "
                    f"HAVING (COUNT(DISTINCT ?v) > {count(n)}) }}")
            yield self._check(prop, body, path=shown, value=False, group=True)
        if (cls := self._one(prop, SH["class"])) is not None:
            # An anti-join, not FILTER NOT EXISTS: see _negations_last.
            body = f"?this {path} ?value MINUS {{ {_type_pattern('?value', cls, 'policykgClass')} }}"
            yield self._check(prop, body, path=shown, value=True, reads=(path,))
        if (dt := self._one(prop, SH.datatype)) is not None:
            condition = f"!isLiteral(?value) || DATATYPE(?value) != {_iri(dt)}"
            if dt in _CASTABLE:
                condition += " || !BOUND(?cast)"
                yield self._check(prop, f"?this {path} ?value BIND ({_iri(dt)}(?value) AS ?cast) FILTER ({condition})",
                                  path=shown, value=True)
            else:
                yield value_check(condition)
        if (members := self._one(prop, SH["in"])) is not None:
            allowed = " || ".join(f"sameTerm(?value, {_term(m)})" for m in Collection(self.g, members))
            yield value_check(f"!({allowed or 'false'})")
        if (v := self._one(prop, SH.hasValue)) is not None:
            yield self._check(prop, f"FILTER NOT EXISTS {{ ?this {path} {_term(v)} }}", path=shown, value=False)
        if (n := self._one(prop, SH.minLength)) is not None:
            yield value_check(f"isBlank(?value) || STRLEN(STR(?value)) < {count(n)}")
        if (low := self._one(prop, SH.minInclusive)) is not None:
            yield value_check(f"!COALESCE(?value >= {_term(low)}, false)")
        if self._one(prop, SH.uniqueLang) == Literal(True):
            body = (f"?this {path} ?a . ?this {path} ?b FILTER (isLiteral(?a) && LANG(?a) != \"\" "
                    f"&& LCASE(LANG(?a)) = LCASE(LANG(?b)) && !sameTerm(?a, ?b))")
            yield self._check(prop, body, path=shown, value=False)
        if (q := self._one(prop, SH.qualifiedValueShape)) is not None:
            if self._one(prop, SH.qualifiedMinCount) != Literal(1):
                raise Unsupported("sh:qualifiedValueShape without sh:qualifiedMinCount 1")
            yield self._check(prop, f"FILTER NOT EXISTS {{ ?this {path} ?q FILTER ({self._value_conforms(q, '?q')}) }}",
                              path=shown, value=False)
        for members in self.g.objects(prop, SH["or"]):
            conds = [self._value_conforms(m, "?value") for m in Collection(self.g, members)]
            yield value_check(f"!({' || '.join(conds)})", reads=(path,))

    def _value_conforms(self, member: rdflib.term.Node, var: str) -> str:
        """A SPARQL expression true when the value ``var`` conforms to ``member`` (class or languageIn)."""
        keys = set(self.g.predicates(member, None)) - {RDF.type}
        if keys == {SH.languageIn}:
            langs = [str(x) for x in Collection(self.g, self._one(member, SH.languageIn))]  # type: ignore[arg-type]
            tests = " || ".join(f'langMatches(LANG({var}), "{lang}")' for lang in langs)
            return f"(isLiteral({var}) && ({tests or 'false'}))"
        return self._conforms(member, var)

    def _sparql(self, constraint: rdflib.term.Node) -> Check:
        keys = set(self.g.predicates(constraint, None)) - {RDF.type, SH.message, SH.prefixes, SH.select}
        if keys:
            raise Unsupported("SPARQL constraint keys " + ", ".join(sorted(compact(str(k)) for k in keys)))
        select = str(self._one(constraint, SH.select))
        if re.search(r"\$(?!this\b)[A-Za-z_]", select) or re.search(r"\b(GRAPH|SERVICE|MINUS)\b|\{\s*SELECT", select, re.I):
            raise Unsupported("SPARQL constraint uses pre-bound variables or forms not inlined")
        match = re.match(r"\s*SELECT\s+(DISTINCT\s+)?(.*?)\s*WHERE\s*\{(.*)\}\s*$", select, re.S | re.I)
        if not match:
            raise Unsupported("SPARQL constraint not of the form SELECT ... WHERE { ... }")
        variables = re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", match.group(2))
        if not variables or "*" in match.group(2):
            raise Unsupported("SPARQL constraint projection")
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self._prefixes(constraint))
        prefixes = dict(self._prefixes(constraint))
        body = _negations_last(_subproperties(re.sub(r"\$this\b", "?this", match.group(3)), prefixes))
        projection = " ".join(dict.fromkeys(["this", *variables]).keys())
        self.n += 1
        return Check(
            key=f"{self.rule}#{self.n}", rule=self.rule, source=str(self.shape), severity=self._severity(self.shape),
            query=f"{prologue}SELECT DISTINCT {' '.join('?' + v for v in projection.split())} WHERE {{ {_FOCUS} {body} }}",
            focus_pattern=self.focus, messages=self._messages(constraint), local=False, sparql=True,
        )

    def _prefixes(self, constraint: rdflib.term.Node) -> Iterator[tuple[str, str]]:
        for holder in self.g.objects(constraint, SH.prefixes):
            for decl in self.g.objects(holder, SH.declare):
                yield str(self.g.value(decl, SH.prefix)), str(self.g.value(decl, SH.namespace))
