"""One redaction mechanism for every renderer: plan, review, validate, verify, audit.

Two things are secret: a value whose *key* names a credential (at any depth, in any
case: ``dbPassword``, ``client-secret``, ``app.password``, ``apiToken``...), and a value
already known to be one (a Pulumi secret's plaintext, a password read from Secrets
Manager). A :class:`Redactor` learns the second kind from the data it is shown, then
masks both kinds in structures and scrubs known values out of free text. Renderers
redact *before* they reformat (collapse whitespace, truncate, escape), so no reformatting
can split a secret into pieces that no longer match; as a second line of defence a known
secret is also found JSON- or repr-escaped, whitespace-collapsed, or cut off at an
ellipsis. A key whose last word only *describes* a credential (``masterSecretArn``,
``passwordWoVersion``, ``authPort``: see `DESCRIPTORS`) is not one.

Where the key is not a mapping key, the same rule applies to what stands for one:

* a ``{"name": "app.password", "value": "..."}`` pair (RDS and ElastiCache parameters,
  Kubernetes ``env`` entries, ``{"key", "value"}`` tag lists): the name is the key;
* a string holding a JSON document (IAM policies, container definitions): it is parsed,
  redacted, and written back only when something in it was secret;
* free text: ``password=...`` assignments, ``"token": "..."`` pairs and the password of a
  ``scheme://user:password@host`` URL are masked even when the value was never learnt.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

SECRET = "[secret]"
"""What a redacted value looks like in every output form."""

CREDENTIAL_WORD = re.compile(
    # `auth` but not `authentication`: `authenticationMode: iam` or `authentication:
    # password` name a *setting* (and policies and reviewers need them), while `authToken`,
    # `REDIS_AUTH` or `basicAuth` hold the credential itself.
    r"pass(?:word|wd|phrase)|pwd|secret|token|api[-_ .]?key|auth(?!entic)|credential|"
    r"private[-_ .]?key|access[-_ .]?key|session[-_ .]?key|signing[-_ .]?key|cookie",
    re.IGNORECASE,
)
"""A key containing one of these words holds a credential (or something as sensitive)."""

# fmt: off
DESCRIPTORS = frozenset({
    # what it is called, where it is, which version
    "arn", "arns", "id", "ids", "name", "names", "ref", "refs", "version", "versions",
    "port", "host", "hostname", "endpoint", "url", "uri", "path", "region",
    # how it is used
    "mode", "type", "kind", "enabled", "required", "validation", "encryption", "policy",
    "algorithm", "format",
    # how many, how long, how often
    "count", "status", "length", "size", "ttl", "timeout", "days", "seconds", "interval",
    "period", "schedule", "rotation", "expiry", "expiration",
})
# fmt: on
"""Last words of keys that describe a credential instead of holding one.

``masterSecretArn``, ``secretId``, ``passwordWoVersion``, ``password_encryption``,
``skipCredentialsValidation``, ``kms:EncryptionContext:SecretARN``, ``authPort``: an ARN,
an id, a version counter, a port or a mode is what reviewers and policies need to see, and
learning such a value as a "known secret" would scrub every mention of that ARN (or every
"6379") from the whole report. A URL's password is still masked in any string.
"""

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

_SETTING_WORDS = frozenset(
    {
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "null",
        "none",
        "nil",
        "enabled",
        "disabled",
        "required",
        "optional",
        "preferred",
        "default",
        "iam",
        "password",
        "token",
        "secret",
        "[unknown]",
    }
)
# Values that name a setting rather than being a credential (`CACHE_AUTH: password`):
# still masked where they stand, but never learnt, or every "password" in every violation
# message would be scrubbed.

NAME_FIELDS = frozenset({"name", "key", "parametername", "parameterkey", "optionname"})
VALUE_FIELDS = frozenset({"value", "values", "parametervalue", "optionvalue"})
"""`{name, value}`-shaped entries whose name names a credential hide their value."""

MAX_DEPTH = 64
"""Deeper than this, a structure is masked whole (no plan is legitimately this deep)."""
MAX_DOCUMENT = 1_000_000
"""Strings longer than this are not parsed as embedded JSON documents (only scrubbed)."""

_MIN_KNOWN = 4
# Shorter "known secrets" are not scrubbed from free text: replacing every "ab" in a
# report would destroy it and reveal nothing a 3-character secret did not already.
_MAX_LINE = 4096
_MIN_FRAGMENT = 8
# A truncated secret (`'s3cr3tpa...'`) is scrubbed when at least this much of it shows.
_ELLIPSIS = re.compile(r"\.\.\.|…")
_BLOCK = 4
_WINDOW = 16
_MAX_PATTERNS = 1024
# The known-secret filter (`_KnownSecrets`) looks for blocks of `_BLOCK` characters (at
# most `_MIN_KNOWN`) of one `_WINDOW`-character part of each secret, and keeps at most
# `_MAX_PATTERNS` small prefix trees.
_DEEPER = MAX_DEPTH + 1
_CONTAINER_OR_TEXT = (dict, list, tuple, str)
_MEMO_TEXT = 65_536
_MEMO_ENTRIES = 1 << 18
# A plan repeats the same strings thousands of times (types, regions, tags, ARNs): each
# distinct string up to `_MEMO_TEXT` characters is redacted once and the answer reused
# until the redactor learns something new. The bounds keep a megabyte of hostile text (or
# millions of distinct strings) from being held twice.

# Possessive quantifiers and a boundary before each key keep every pattern linear in the
# text: a program's megabyte of output must not take quadratic time to scrub.
_KEY = r"(?<![\w.\-])[A-Za-z_][\w.\-]*+"
_ASSIGNMENT = re.compile(
    rf"(?P<key>{_KEY})(?P<sep>[ \t]*+=[ \t]*+)(?P<value>\"[^\"]*+\"|'[^']*+'|[^\s,;&\"'}}\])]++)"
)
_QUOTED_PAIR = re.compile(
    rf"(?P<q>[\"'])(?P<key>{_KEY})(?P=q)(?P<sep>[ \t]*+:[ \t]*+)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*+\"|'(?:[^'\\]|\\.)*+')"
)
_LINE_PAIR = re.compile(
    r"^[\s\-]*[\"']?(?P<key>[^\s\"'#][^\"'#]*?)[\"']?(?::\s+|\s*=\s*)(?P<value>\S.*?)\s*$"
)
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]*+://[^\s:/@]++:)(?P<value>[^\s@/]++)(?=@)"
)


def _last_word(key: str) -> str:
    words = _WORDS.findall(key)
    return words[-1].lower() if words else ""


def is_credential_key(key: object) -> bool:
    """Whether a mapping key (any nesting, any case, any separator) names a credential.

    ``dbPassword``, ``client-secret``, ``app.password``, ``x-api-key`` do; keys that only
    describe a credential (``masterSecretArn``, ``passwordWoVersion``) do not. In a
    namespaced key (``legacy-app:apiToken``, IAM's ``secretsmanager:VersionStage``) only
    the part after the last colon counts: the namespace names a service, not a value.
    """
    return isinstance(key, str) and _names_credential(key)


@functools.lru_cache(maxsize=8192)
def _names_credential(key: str) -> bool:
    # Cached: a plan asks about the same few hundred property names tens of thousands of times.
    name = key.rsplit(":", 1)[-1] or key
    if CREDENTIAL_WORD.search(name) is None:
        return False
    return _last_word(name) not in DESCRIPTORS


_SELECTOR = re.compile(r"\[(?:Sid=[^\]]*|\d+)\]")


def is_credential_path(path: str) -> bool:
    """Whether any key of a path (``databases.orders.parameters.dbPassword``,
    ``tags["api-token"]``, ``policy.Statement[Sid=ReadSecret].Resource``) names a
    credential; list indexes and statement selectors are not keys."""
    keys = re.split(r"\.(?![^\[]*\])|\[\"|\"\]", _SELECTOR.sub(".", path))
    return any(is_credential_key(key) for key in keys if key)


def _pair_is_credential(entry: dict[Any, Any]) -> bool:
    """A `{name: "app.password", value: ...}` entry: its value is a credential."""
    # Asked of every mapping of a plan: set operations in C answer "no name field here"
    # for mappings whose keys were all seen before, without a call per key.
    if not entry.keys() <= _KEYS_SEEN:
        if len(_KEYS_SEEN) > _MEMO_ENTRIES:
            _KEYS_SEEN.clear()
            _NAME_KEYS.clear()
        for field in entry:
            if _is_name_field(field):
                _NAME_KEYS.add(field)
            _KEYS_SEEN.add(field)
    if _NAME_KEYS.isdisjoint(entry):
        return False
    return any(is_credential_key(value) for field, value in entry.items() if field in _NAME_KEYS)


_KEYS_SEEN: set[Any] = set()
_NAME_KEYS: set[Any] = set()
# Mapping keys met so far, and those of them that are name fields (`_is_name_field`).


@functools.lru_cache(maxsize=8192)
def _is_name_field(field: Any) -> bool:
    # Cached: asked of every key of every mapping in a plan, from a few hundred names.
    return isinstance(field, str) and field.lower() in NAME_FIELDS


@functools.lru_cache(maxsize=16384)
def _child_is_credential(key: Any, pair: bool, under_credential: bool) -> bool:
    """Whether the value at `key` of a mapping is a credential.

    Below a credential key everything is, except what a descriptor names: the
    `expirationSeconds` of a `serviceAccountToken` volume, the `secretArn` of RDS's
    `masterUserSecret`, the `name` of a `secretKeyRef`. Cached: a pure function of a few
    hundred property names, asked for every value of a plan.
    """
    if is_credential_key(key):
        return True
    if pair and isinstance(key, str) and key.lower() in VALUE_FIELDS:
        return True
    return under_credential and not (isinstance(key, str) and _last_word(key) in DESCRIPTORS)


def _embedded(value: str) -> Any:
    """The JSON object or array a string holds (a policy document), else None."""
    if len(value) > MAX_DOCUMENT or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _variants(text: str) -> set[str]:
    """`text` as the reformatting a renderer might apply before it is scrubbed shows it."""
    forms = {text, " ".join(text.split())}
    forms.add(json.dumps(text)[1:-1])
    forms.add(json.dumps(text, ensure_ascii=False)[1:-1])
    forms.add(repr(text)[1:-1])
    return {f for f in forms if len(f) >= _MIN_KNOWN}


class Redactor:
    """Masks credential-keyed values and scrubs known secret values from text."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self._pattern: _KnownSecrets | None = None
        self._heads: _Fragments | None = None
        # Memos (see `_MEMO_TEXT`): redacted text and redacted data strings, valid while
        # nothing new is learnt; values already learnt; strings whose embedded documents
        # or lines were already collected (at the shallowest depth seen, which bounds
        # what `MAX_DEPTH` lets a collection reach).
        self._texts: dict[str, str] = {}
        self._strings: dict[Any, str] = {}
        self._learnt: set[str] = set()
        self._collected: dict[str, int] = {}
        for value in known:
            self.learn(value)

    @property
    def known(self) -> frozenset[str]:
        """Every form of every secret learnt so far (for a child process to reuse)."""
        return frozenset(self._known)

    def learn(self, value: object) -> None:
        """Remember `value` (a string or number) as a secret to scrub from any text.

        A value handed over as a secret is learnt whatever it looks like: a password that
        happens to be "password" is still a password.
        """
        self._learn(value, found=False)

    def _learn(self, value: object, found: bool) -> None:
        # `found`: seen under a credential-named key rather than handed over as a secret;
        # such a value that reads like a setting (`CACHE_AUTH: password`) is masked where
        # it stands but not scrubbed from all text.
        if isinstance(value, bool) or value is None or isinstance(value, dict | list | tuple):
            return
        text = str(value)
        if text in self._learnt:
            return  # every form of it is known already
        if len(text) < _MIN_KNOWN or text in (SECRET, "[unknown]"):
            return
        if found and text.strip().lower() in _SETTING_WORDS:
            return
        new = _variants(text) - self._known
        self._learnt.add(text)
        if new:
            self._known |= new
            self._pattern = None
            self._heads = None
            self._texts.clear()
            self._strings.clear()

    def collect(self, data: Any, under_credential: bool = False, depth: int = 0) -> None:
        """Learn every scalar that sits under a credential-named key in `data`."""
        if depth > MAX_DEPTH:
            return
        if isinstance(data, dict):
            pair = _pair_is_credential(data)
            collected = self._collected
            for key, value in data.items():
                under = _child_is_credential(key, pair, under_credential)
                # Inlined for the common case, a string already collected (see below).
                if under or type(value) is not str or collected.get(value, _DEEPER) > depth + 1:
                    self.collect(value, under, depth + 1)
        elif isinstance(data, list | tuple):
            collected = self._collected
            for value in data:
                if (
                    under_credential
                    or type(value) is not str
                    or collected.get(value, _DEEPER) > depth + 1
                ):
                    self.collect(value, under_credential, depth + 1)
        elif under_credential:
            self._learn(data, found=True)
        elif isinstance(data, str):
            if self._collected.get(data, _DEEPER) <= depth:
                return  # collected before, with at least as much depth to spare
            if len(data) <= _MEMO_TEXT and len(self._collected) < _MEMO_ENTRIES:
                self._collected[data] = depth
            document = _embedded(data)
            if document is not None:
                self.collect(document, False, depth + 1)
            elif "\n" in data:
                # A file held in a string (a ConfigMap's `application.yaml`, a properties
                # file): its `password: ...` lines are credentials too.
                self.collect_text(data, limit=MAX_DOCUMENT)

    def collect_text(self, text: str, limit: int = 2_000_000) -> None:
        """Learn the values of credential-named keys in raw `key: value` / `key=value` lines.

        For a file that cannot be parsed (a YAML syntax error), so an error about it can
        still be scrubbed; only the first `limit` characters are read.
        """
        for line in text[:limit].splitlines():
            if len(line) > _MAX_LINE:
                continue  # a minified blob, not a `key: value` line (and costly to match)
            match = _LINE_PAIR.match(line)
            if match is None or not is_credential_key(match.group("key").strip()):
                continue
            value = match.group("value")
            for candidate in (value, value.split(" #", 1)[0].rstrip()):
                self._learn(candidate, found=True)
                self._learn(candidate.strip("\"'"), found=True)

    def text(self, value: str) -> str:
        """`value` with every known secret, credential assignment and URL password masked."""
        if not value:
            return value
        memo = type(value) is str and len(value) <= _MEMO_TEXT
        if memo:
            done = self._texts.get(value)
            if done is not None:
                return done
        result = self._text(value)
        if memo:
            if len(self._texts) >= _MEMO_ENTRIES:
                self._texts.clear()
            self._texts[value] = result
        return result

    def _text(self, value: str) -> str:
        if self._known:
            if self._pattern is None:
                self._pattern = _KnownSecrets(self._known)
            value = self._pattern.sub(value)
            if _ELLIPSIS.search(value):
                value = self._fragments(value)
        return _scrub_patterns(value)

    def _fragments(self, value: str) -> str:
        """Scrub truncated secrets: `'s3cr3tpa...'` or `'...assw0rd'` beside an ellipsis.

        One pass finds every place a known secret's first (or last) characters occur; each
        is extended while it agrees with the secret and scrubbed when an ellipsis cuts it.
        """
        if self._heads is None:
            self._heads = _Fragments(self._known)
        spans = self._heads.spans(value)
        if not spans:
            return value
        out, last = [], 0
        for start, end in sorted(spans):
            start = max(start, last)
            if start >= end:
                continue
            out += [value[last:start], SECRET]
            last = end
        return "".join([*out, value[last:]])

    def data(self, data: Any, under_credential: bool = False, depth: int = 0) -> Any:
        """A copy of `data`: credential-keyed scalars masked, known secrets scrubbed.

        Booleans and nulls are kept (``manageMasterUserPassword: true`` is no secret and
        reviewers need it); containers under a credential key keep their shape. A string
        holding a JSON document is redacted inside and re-encoded only if that changed it.
        """
        if depth > MAX_DEPTH:
            return SECRET
        if type(data) is str and not under_credential:
            return self._string(data, depth)  # the common case first
        if isinstance(data, dict):
            pair = _pair_is_credential(data)
            text, string, inner = self.text, self._string, depth + 1
            texts, strings = self._texts, self._strings
            out = {}
            for k, v in data.items():
                under = _child_is_credential(k, pair, under_credential)
                # Inlined for the common cases: a key or plain string redacted before
                # (the memos `text` and `_string` keep), a plain string within the bound.
                if type(k) is str:
                    done = texts.get(k)
                    k = text(k) if done is None else done
                elif isinstance(k, str):
                    k = text(k)
                kind = type(v)
                if inner > MAX_DEPTH:
                    out[k] = SECRET  # what `data` answers below the bound
                elif kind is str and not under:
                    done = strings.get(v)
                    out[k] = string(v, inner) if done is None else done
                elif v is None or kind is bool or (not under and kind in (int, float)):
                    out[k] = v  # kept as they are (see below)
                else:
                    out[k] = self.data(v, under, inner)
            return out
        if isinstance(data, list | tuple):
            inner = depth + 1
            if under_credential or inner > MAX_DEPTH:
                return [self.data(v, under_credential, inner) for v in data]
            string, strings = self._string, self._strings
            return [
                (strings.get(v) or string(v, inner))
                if type(v) is str
                else self.data(v, False, inner)
                for v in data
            ]
        if isinstance(data, bool) or data is None:
            return data
        if under_credential and data not in ("", SECRET):
            return SECRET
        if isinstance(data, str):
            return self._string(data, depth)
        return data

    def _string(self, data: str, depth: int) -> str:
        """`data` (not under a credential key) redacted: as a JSON document if it holds one."""
        # How deep a held document sits decides where `MAX_DEPTH` masks it: such strings
        # are remembered per depth, the others (nearly all) once.
        memo = type(data) is str and len(data) <= _MEMO_TEXT
        if memo:
            done = self._strings.get(data)
            if done is None:
                done = self._strings.get((data, depth))
            if done is not None:
                return done
        document = _embedded(data)
        result = None
        if document is not None:
            redacted = self.data(document, False, depth + 1)
            if redacted != document:
                result = json.dumps(redacted)
        if result is None:
            result = self.text(data)
        if memo:
            if len(self._strings) >= _MEMO_ENTRIES:
                self._strings.clear()
            self._strings[data if document is None else (data, depth)] = result
        return result

    def scrub(self, data: Any, depth: int = 0) -> Any:
        """A copy of `data` with known secrets scrubbed from every string; no key rules.

        For structure that is not data (URNs, option names, summaries): its keys name
        properties (``additional_secret_outputs: ["password"]``), not credentials.
        """
        if depth > MAX_DEPTH:
            return SECRET
        inner, text, texts = depth + 1, self.text, self._texts
        # Inlined for the common cases (a plan has hundreds of thousands of these values):
        # an exact string, looked up in `text`'s memo first; a scalar, kept as it is.
        if isinstance(data, dict):
            if inner > MAX_DEPTH:
                return {(text(k) if isinstance(k, str) else k): SECRET for k in data}
            out = {}
            for k, v in data.items():
                if type(k) is str:
                    k = texts.get(k) or text(k)
                elif isinstance(k, str):
                    k = text(k)
                if type(v) is str:
                    v = texts.get(v) or text(v)
                elif isinstance(v, _CONTAINER_OR_TEXT):
                    v = self.scrub(v, inner)
                out[k] = v
            return out
        if isinstance(data, list | tuple):
            if inner > MAX_DEPTH:
                return [SECRET for _ in data]
            return [
                (texts.get(v) or text(v))
                if type(v) is str
                else (self.scrub(v, inner) if isinstance(v, _CONTAINER_OR_TEXT) else v)
                for v in data
            ]
        if isinstance(data, str):
            return self.text(data)
        return data


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex matching any of `words`, longest first, factored as a prefix tree.

    A flat `a|b|c` alternation makes the engine try every secret at every position of the
    text; the tree tries only the secrets that share what has matched so far, so hundreds
    of known secrets (each in several escaped forms) cost little more than one.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        # A run of single-child nodes is one literal, taken without recursing: the nesting
        # (Python's and the regex's) grows with the branch points, not with the length of
        # a secret (a 300-character password in five escaped forms would overflow both).
        literal = []
        while "" not in node and len(node) == 1:
            char, node = next(iter(node.items()))
            literal.append(re.escape(char))
        prefix = "".join(literal)
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return prefix
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            # Greedy: the longer secret wins over one that is its prefix.
            return f"{prefix}(?:{body})?"
        return prefix + body

    return pattern(root)


class _KnownSecrets:
    """Replaces every known secret in a text with `SECRET`, longest first.

    The prefix-tree regex still tries a branch at nearly every character of every string
    (random passwords start with any letter), which made it the plan's largest cost. A
    block filter decides first, with a few set lookups per string, whether a text can hold
    any secret at all; only texts that can are searched (Wu-Manber's shift idea).

    Each secret stands for one *window* of itself (`_window`), so a text holding the secret
    holds its window. Every window is at least `shortest` characters long, so each of its
    occurrences covers a block of `_BLOCK` characters that starts at a multiple of `step` =
    shortest - _BLOCK + 1, at one of the window's offsets 0 .. step - 1: all of those
    blocks are in `blocks`, and a text none of whose blocks at multiples of `step` is
    there holds no secret.

    The blocks found also say which secrets a text can hold: those whose window has one of
    them (every secret that occurs is among them, as above). The text is searched with a
    prefix tree of only those, compiled once per such set: the tree of all secrets (a
    thousand in a 10,000-resource plan) took longer to compile than the plan to redact.
    Any secret occurring at a place is in both trees, so both match the same longest one.
    """

    def __init__(self, known: Iterable[str]) -> None:
        self.words = sorted(word for word in known if word)
        windows = [_window(word) for word in self.words]
        self.shortest = min((len(window) for window in windows), default=0)
        self.step = max(1, self.shortest - _BLOCK + 1)
        self.blocks: dict[str, set[int]] = {}
        for index, window in enumerate(windows):
            for offset in range(min(self.step, len(window) - _BLOCK + 1)):
                self.blocks.setdefault(window[offset : offset + _BLOCK], set()).add(index)
        self._patterns: dict[frozenset[int], re.Pattern[str]] = {}
        self._all: re.Pattern[str] | None = None

    def sub(self, value: str) -> str:
        """`value` with every known secret replaced."""
        if self.shortest < _BLOCK:
            # Too short to filter by blocks (never learnt: see `_MIN_KNOWN`).
            if self._all is None:
                self._all = re.compile(_trie_pattern(self.words))
            return self._all.sub(SECRET, value)
        if len(value) < self.shortest:
            return value
        blocks = self.blocks
        found = [
            block
            for start in range(0, len(value) - _BLOCK + 1, self.step)
            if (block := value[start : start + _BLOCK]) in blocks
        ]
        if not found:
            return value
        candidates = frozenset().union(*(blocks[block] for block in found))
        pattern = self._patterns.get(candidates)
        if pattern is None:
            if len(self._patterns) >= _MAX_PATTERNS:
                self._patterns.clear()
            pattern = re.compile(_trie_pattern(self.words[i] for i in sorted(candidates)))
            self._patterns[candidates] = pattern
        return pattern.sub(SECRET, value)


def _window(word: str) -> str:
    """The `_WINDOW` characters of `word` least likely to occur in other text.

    A learnt form may be mostly ordinary text (``{"username": "app", "password": "..."}``);
    its blocks would pass the filter on every string that mentions a username. The window
    with the most distinct characters, digits and capitals is the password's random part,
    when there is one (names and JSON punctuation have few of each).
    """
    if len(word) <= _WINDOW:
        return word
    last = len(word) - _WINDOW
    # At most ~64 candidates, a quarter window apart or more: a long secret (a key file)
    # must not cost a set per character.
    starts = {*range(0, last + 1, max(_WINDOW // 4, last // 64)), last}
    best = max(sorted(starts), key=lambda start: _randomness(word[start : start + _WINDOW]))
    return word[best : best + _WINDOW]


def _randomness(text: str) -> int:
    return len(set(text)) + sum(map(str.isdigit, text)) + sum(map(str.isupper, text))


class _Fragments:
    """Where known secrets begin or end in a text, found in one pass each."""

    def __init__(self, known: Iterable[str]) -> None:
        self.heads: dict[str, list[str]] = {}
        self.tails: dict[str, list[str]] = {}
        for secret in known:
            if len(secret) > _MIN_FRAGMENT:
                self.heads.setdefault(secret[:_MIN_FRAGMENT], []).append(secret)
                self.tails.setdefault(secret[-_MIN_FRAGMENT:], []).append(secret)
        # A lookahead finds overlapping occurrences: every position where one starts.
        self.head_re = re.compile(f"(?=({_trie_pattern(self.heads)}))") if self.heads else None
        self.tail_re = re.compile(f"(?=({_trie_pattern(self.tails)}))") if self.tails else None

    def spans(self, value: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if self.head_re is None or self.tail_re is None:
            return spans
        for found in self.head_re.finditer(value):
            start = found.start()
            for secret in self.heads.get(found.group(1), []):
                k = _MIN_FRAGMENT
                while k < len(secret) and value.startswith(secret[k], start + k):
                    k += 1
                mark = _ELLIPSIS.match(value, start + k)
                if k < len(secret) and mark is not None:
                    spans.append((start, mark.end()))
        for found in self.tail_re.finditer(value):
            end = found.start() + _MIN_FRAGMENT
            for secret in self.tails.get(found.group(1), []):
                k = _MIN_FRAGMENT
                while k < len(secret) and end - k > 0 and value[end - k - 1] == secret[-k - 1]:
                    k += 1
                cut = end - k
                if k < len(secret) and value.endswith("...", 0, cut):
                    spans.append((cut - 3, end))
                elif k < len(secret) and value.endswith("…", 0, cut):
                    spans.append((cut - 1, end))
        return spans


def _masked_value(match: re.Match[str]) -> str:
    value = match.group("value")
    bare = value.strip("\"'")
    if not is_credential_key(match.group("key")) or not bare:
        return match.group(0)
    if match.string.startswith(SECRET, match.start("value") + (value[:1] in "\"'")):
        return match.group(0)
    if bare.lower() in _SETTING_WORDS:
        return match.group(0)
    quote = value[0] if value[:1] in ("'", '"') else ""
    return match.group(0)[: match.start("value") - match.start()] + f"{quote}{SECRET}{quote}"


def _scrub_patterns(value: str) -> str:
    # Each pattern runs only where the text holds what every match of it must contain.
    if "=" in value:
        value = _ASSIGNMENT.sub(_masked_value, value)
    if ":" in value:
        if '"' in value or "'" in value:
            value = _QUOTED_PAIR.sub(_masked_value, value)
        if "://" in value:
            value = _URL_PASSWORD.sub(lambda m: m.group("head") + SECRET, value)
    return value


def redact(data: Any, known: Iterable[str] = ()) -> Any:
    """`data` redacted with everything learnt from itself plus `known` values."""
    redactor = Redactor(known)
    redactor.collect(data)
    return redactor.data(data)
