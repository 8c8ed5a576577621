"""SPARQL syntax errors in words: where the text breaks and what was expected, in one short line.

Both parsers the endpoint runs report what their grammar could have read next: pyoxigraph as
``error at 3:12: expected one of …`` with every Unicode range of a name (530 characters for a
missing PREFIX), rdflib's pyparsing as ``Expected {SelectQuery | …} at line 1, column 1``. A
person needs the place and the problem: ``undefined prefix 'pol:' at line 1, column 21``,
``expected a variable, an IRI or '}' at line 3, column 5, found 'FILTER'``. What the text shows
by itself (an undeclared prefix, a bracket or string never closed) is named first; otherwise the
parser's expectations are put in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from app.core.errors import clip
from app.sparql.tokens import Token, tokens

__all__ = ["explain"]

_OXIGRAPH_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
_PYPARSING_AT = re.compile(r"^(.*?) at line (\d+), column (\d+)\s*$", re.DOTALL)
# One alternative of pyoxigraph's list: a quoted token, a character class, or a rule or keyword name.
_ALTERNATIVE = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|[A-Za-z][\w ]*')
_PREFIXED = re.compile(r"^([A-Za-z][\w.\-]*)?:")
_OPENERS = {"{": "}", "(": ")", "[": "]"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_QUOTES = ("'", '"')

# Quoted tokens a parser may expect, as a person calls them.
_TOKEN_WORDS = {
    "?": "a variable", "$": "a variable",
    "<": "an IRI",
    '\\"': "a string", "'": "a string", '\\"\\"\\"': "a string", "'''": "a string",
    "+": "a number", "-": "a number",
    "true": "a boolean", "false": "a boolean",
    "_:": "a blank node", "[": "a blank node",
    "<<": "a triple term", "<<(": "a triple term",
}
# pyparsing's rule names for the four query forms; its "end of text" (the rule that failed stops
# there, wherever the mistake is) says nothing, and the place is given anyway.
_RULE_WORDS: dict[str, str | None] = {
    "SelectQuery": "a SELECT query", "ConstructQuery": "a CONSTRUCT query",
    "DescribeQuery": "a DESCRIBE query", "AskQuery": "an ASK query", "end of text": None,
}
_MOST_ALTERNATIVES = 6
_FIRST = ["a variable", "an IRI", "a name", "a string", "a number", "'{'", "'}'"]


def explain(text: str, message: str, declared: Iterable[str] = ()) -> str:
    """A parser's ``message`` about ``text`` as one line of words (under 200 characters).

    ``declared`` names prefixes given to the parser besides the text's own PREFIX lines.
    """
    found = list(tokens(text))
    problem = _undefined_prefix(text, found, set(declared)) or _unclosed(text, found)
    if problem:
        return problem
    where = _position(message)
    if where is None:
        return clip(message.splitlines()[0] if message.strip() else "the text is not valid SPARQL", 160)
    line, column, expected = where
    alternatives = _in_words(expected)
    at = f"at line {line}, column {column}, found {_found_at(text, found, line, column)}"
    return f"expected {alternatives} {at}" if alternatives else f"syntax error {at}"


def _place(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column (clamped to the text)."""
    lines = text.split("\n")
    if line > len(lines):
        return len(text)
    return min(sum(len(each) + 1 for each in lines[: line - 1]) + column - 1, len(text))


def _undefined_prefix(text: str, found: Sequence[Token], declared: set[str]) -> str | None:
    """The first prefixed name whose prefix no PREFIX line declares, said with its place."""
    for previous, token in zip([None, *found], found, strict=False):
        if previous is not None and previous.is_keyword("PREFIX") and token.kind == "word":
            declared.add(token.text.partition(":")[0])
    for previous, token in zip([None, *found], found, strict=False):
        if token.kind != "word" or (previous is not None and previous.is_keyword("PREFIX")):
            continue
        match = _PREFIXED.match(token.text)
        if match and (match.group(1) or "") not in declared:
            line, column = _place(text, token.start)
            return f"undefined prefix '{match.group(1) or ''}:' at line {line}, column {column}"
    return None


def _unclosed(text: str, found: Sequence[Token]) -> str | None:
    """A string or bracket opened and never closed, or a bracket closed that was never opened."""
    opened: list[Token] = []
    for token in found:
        if token.kind == "punct" and token.text in _QUOTES:
            line, column = _place(text, token.start)
            return f"a string opened at line {line}, column {column} is never closed"
        if token.text in _OPENERS:
            opened.append(token)
        elif token.text in _CLOSERS:
            if not opened or opened[-1].text != _CLOSERS[token.text]:
                line, column = _place(text, token.start)
                return f"unexpected '{token.text}' at line {line}, column {column}"
            opened.pop()
    if opened:
        line, column = _place(text, opened[-1].start)
        return f"'{opened[-1].text}' opened at line {line}, column {column} is never closed"
    return None


def _position(message: str) -> tuple[int, int, str] | None:
    """Line, column and the expectation of either parser's message; None when it gives no place."""
    if match := _OXIGRAPH_AT.match(message.strip()):
        return int(match.group(1)), int(match.group(2)), match.group(3)
    if match := _PYPARSING_AT.match(message.strip()):
        return int(match.group(2)), int(match.group(3)), match.group(1)
    return None


def _in_words(expected: str) -> str:
    """``expected one of "?", "<", ABS, [_]`` as ``a variable, an IRI or ABS``."""
    body = re.sub(r"^(?:.*?: )?[Ee]xpected (?:one of )?", "", expected.strip())
    if body.startswith("{") and body.endswith("}"):  # pyparsing: {SelectQuery | ConstructQuery | …}
        items = [item.strip() for item in body[1:-1].split("|")]
    else:
        items = _ALTERNATIVE.findall(body)
    words: list[str] = []
    for item in items:
        word = _word(item.strip())
        if word and word not in words:
            words.append(word)
    # The terms a person writes most come first; the parsers list theirs in grammar order.
    words.sort(key=lambda word: _FIRST.index(word) if word in _FIRST else len(_FIRST))
    if len(words) > _MOST_ALTERNATIVES:
        return ", ".join(words[: _MOST_ALTERNATIVES - 1]) + ", …"
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _word(item: str) -> str | None:
    """One expected alternative in words; None for those that say nothing to a person."""
    if item.startswith("["):
        # Character classes: digits start a number, letters a name; the rest continue one or are whitespace.
        return "a number" if item.startswith("['0'") else "a name" if item.startswith("['A'") else None
    if item.startswith('"'):
        inner = item[1:-1]
        return _TOKEN_WORDS.get(inner, f"'{inner}'")
    if item in _RULE_WORDS:
        return _RULE_WORDS[item]
    if item == "Prefix not found":
        return None  # said as "undefined prefix" when the text shows one
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", item):
        return item  # a keyword
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", item).lower()  # a rule name: TriplesBlock, triples block


def _found_at(text: str, found: Sequence[Token], line: int, column: int) -> str:
    """What the text holds at a place: the token there, or the end of the text."""
    offset = _offset(text, line, column)
    for token in found:
        if token.end > offset:
            return repr(clip(token.text, 30))
    return "the end of the text"
