"""The Jinja2 sandbox stack-file templates run in: no loader, bounded sizes, bounded time.

Jinja's `ImmutableSandboxedEnvironment` already refuses Python internals (`__class__`)
and mutation of lists and dicts. It does not bound work or memory: `range(10**9)`,
`'a' * 10**9`, `'%999999999s'`, `10**100000`, `'x'.center(10**9)`, two nested
`range(100000)` loops, or a macro calling itself twice per level all run for seconds to
forever and grow to gigabytes. This environment adds:

* a `Budget` (wall clock, checked inside the render loop, not by a signal): every loop
  iteration, call, attribute access, operator and filter checks it;
* size checks *before* anything large is built: `*`, `**`, `+`, `%`, `str.format`,
  `center`/`ljust`/`rjust`/`zfill`/`expandtabs`, `join`, `replace`, `indent`,
  `wordwrap`, `batch`, `slice`, `sum`; and every value turned into text (output, `~`,
  filter input) is weighed first, counting shared sub-lists each time they appear, so a
  list of lists of lists built from a few characters cannot become gigabytes of text;
* a bounded `range` and only `range` and `dict` as globals (`lipsum`, `cycler`, `joiner`
  and `namespace` are gone: `namespace` is the one way to accumulate across iterations);
* no loader and no recursive loops: `include`, `import`, `extends` and `for ... recursive`
  are refused before rendering (`refused_construct`).
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import _PassArg

MAX_RANGE = 10_000
"""Largest `range()` a template may ask for."""
MAX_SIZE = 100_000
"""Largest string (characters) or value (items, counting nested ones) a template may build."""
MAX_INT_BITS = 4_096
"""Largest integer an operator may produce (about 1,233 decimal digits)."""
MAX_BUILT = 100 * MAX_SIZE
"""Characters/items all templates of one stack file may build in total: each result is
bounded by MAX_SIZE, but lazy pipelines (`range(10000)|map('center', 99999)|list`) can
build many such results before any one check sees them all."""
RENDER_BUDGET_SECONDS = 1.0
"""Wall-clock time all templates of one stack file may take together."""


class TemplateLimit(Exception):
    """A template asked for more than a limit allows (size, range, time)."""


class FileBudgetSpent(TemplateLimit):
    """The whole stack file's budget (time, or total built) is spent: stop rendering it."""


class TemplateRefused(Exception):
    """A template used a construct stack-file templates may not use."""


class Budget:
    """A wall-clock deadline shared by every template of one stack file."""

    def __init__(self, seconds: float = RENDER_BUDGET_SECONDS) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        """Raise TemplateLimit once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise FileBudgetSpent(
                f"the stack file's templates took longer than {self.seconds:g} s to render"
            )


_CONTAINERS = (list, tuple, dict, set, frozenset)


def weigh(value: Any, memo: dict[int, tuple[Any, int]], limit: int = MAX_SIZE) -> int:
    """Characters/items `value` amounts to once written out; stops counting past `limit`.

    A container shared N times counts N times (that is what `str()` would write); its
    weight is memoised (holding a reference, so the id stays valid) to keep this linear
    in the number of distinct containers. A cycle counts as over the limit.
    """
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if not isinstance(value, _CONTAINERS):
        return 1
    key = id(value)
    if key in memo:
        return memo[key][1]
    memo[key] = (value, limit + 1)
    total = 1
    # A dict's keys and values, not its (key, value) tuples: those are new objects each time.
    items: Iterable[Any] = chain.from_iterable(value.items()) if isinstance(value, dict) else value
    for item in items:
        total += weigh(item, memo, limit)
        if total > limit:
            break
    memo[key] = (value, total)
    return total


# `%` conversions with a width or precision: `%(key)-999999999.5s`, `%*d`.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _check_percent(template: str, argument_weight: int) -> None:
    conversions = _PERCENT.findall(template)
    for width, precision in conversions:
        for number in (width, precision):
            if number == "*":
                raise TemplateRefused("a `*` width in a `%` format is not allowed")
            if number and (len(number) > 6 or int(number) > MAX_SIZE):
                raise TemplateLimit(f"a `%` format width of {number} exceeds {MAX_SIZE:,}")
    # Each conversion may write a whole argument (`'%(a)s' * 10000 % {'a': big}`).
    if len(template) + len(conversions) * argument_weight > MAX_SIZE:
        raise _too_big("a `%` format")


def _check_format_spec(template: str, argument_weight: int) -> None:
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # str.format reports it
    replacements = 0
    for _literal, name, spec, _conversion in fields:
        replacements += name is not None
        if not spec:
            continue
        if "{" in spec:
            raise TemplateRefused("a nested `{}` field in a format spec is not allowed")
        for number in _DIGITS.findall(spec):
            if len(number) > 6 or int(number) > MAX_SIZE:
                raise TemplateLimit(f"a format width of {number} exceeds {MAX_SIZE:,}")
    # Each field may write a whole argument (`('{0}' * 30000).format(big)`).
    if len(template) + replacements * argument_weight > MAX_SIZE:
        raise _too_big("a format")


def _too_big(what: str) -> TemplateLimit:
    return TemplateLimit(f"{what} would exceed {MAX_SIZE:,} characters or items")


def _replaced_length(text: Any, old: Any, new: Any, count: int | None) -> int:
    hits = len(text) + 1 if len(old) == 0 else text.count(old)
    if count is not None and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STR_METHODS = _words(
    "capitalize casefold count endswith find index isalnum isalpha isascii isdecimal "
    "isdigit isidentifier islower isnumeric isprintable isspace istitle isupper lower "
    "lstrip partition removeprefix removesuffix rfind rindex rpartition rsplit rstrip "
    "split splitlines startswith strip swapcase title upper encode decode "
    # checked in `_check_method`: they can build large strings
    "center ljust rjust zfill expandtabs join replace format format_map"
)
_METHODS: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    bytes: _STR_METHODS,
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    int: frozenset({"bit_length"}),
    float: frozenset({"is_integer"}),
}


def refused_construct(template: nodes.Template) -> str | None:
    """Why a parsed template may not run (loads other templates, recursive loop), or None."""
    for node in template.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = {
            nodes.Include: "include",
            nodes.Import: "import",
            nodes.FromImport: "from ... import",
            nodes.Extends: "extends",
        }[type(node)]
        return f"`{{% {word} %}}` is not allowed: stack-file templates cannot load other templates"
    for loop in template.find_all(nodes.For):
        if loop.recursive:
            return "a `recursive` for loop is not allowed in a stack-file template"
    return None


def _materialised(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(list(a) if isinstance(a, Iterator) else a for a in args)


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every `for` loop and every `~` routed through the sandbox."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("guard_loop"), [node.iter], [], None, None
        )
        node.iter.set_lineno(node.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.join_pieces((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox stack-file templates render in (see the module docstring)."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, budget: Budget) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            finalize=self._finalize,
            cache_size=0,
        )
        self.budget = budget
        self.memo: dict[int, tuple[Any, int]] = {}
        self.built = 0
        self.globals = {"range": self._range, "dict": dict}
        checked: dict[str, Callable[..., Any]] = {
            "batch": self._batch,
            "center": self._center,
            "format": self._format,
            "indent": self._indent,
            "join": self._join,
            "replace": self._replace,
            "slice": self._slice,
            "sum": self._sum,
            "tojson": self._tojson,
            "wordwrap": self._wordwrap,
        }
        self.filters = {
            name: self._guard_filter(name, func, checked.get(name))
            for name, func in self.filters.items()
        }
        self.concat = self._concat  # type: ignore[method-assign]

    # -- sizes and time ----------------------------------------------------------------

    def weigh(self, value: Any) -> int:
        """`weigh` with this render's memo (reset now and then: it keeps what it weighed alive)."""
        if len(self.memo) > 10_000:
            self.memo.clear()
        return weigh(value, self.memo)

    def _bounded_args(self, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> int:
        total = sum(self.weigh(a) for a in args) + sum(self.weigh(v) for v in kwargs.values())
        if total > MAX_SIZE:
            raise _too_big(what)
        return total

    def _bounded(self, value: Any, what: str) -> Any:
        if self.weigh(value) > MAX_SIZE:
            raise _too_big(what)
        return value

    def _produced(self, value: Any, what: str) -> Any:
        """Bound a value a filter, call or operator built, and count it toward MAX_BUILT."""
        weight = self.weigh(value)
        if weight > MAX_SIZE:
            raise _too_big(what)
        self.built += weight
        if self.built > MAX_BUILT:
            raise FileBudgetSpent(
                f"the stack file's templates build more than {MAX_BUILT:,} characters or "
                "items in total"
            )
        return value

    def _finalize(self, value: Any) -> Any:
        # Runs before `{{ value }}` is turned into text.
        self.budget.check()
        return self._bounded(value, "the value written out")

    def _concat(self, pieces: Iterable[str]) -> str:
        # Every output buffer (a whole template, a macro, a `{% set %}` block) joins here.
        out: list[str] = []
        total = 0
        for piece in pieces:
            self.budget.check()
            total += len(piece)
            if total > MAX_SIZE:
                raise _too_big("the rendered text")
            out.append(piece)
        return str(self._produced("".join(out), "the rendered text"))

    def join_pieces(self, pieces: Iterable[Any]) -> str:
        """The `~` operator: each operand weighed before it becomes text."""
        return self._concat(str(self._bounded(p, "an operand of `~`")) for p in pieces)

    def guard_loop(self, iterable: Any) -> Iterator[Any]:
        """Every `for` loop iterates through here: the budget is checked on each item."""
        check = self.budget.check
        for item in iterable:
            check()
            yield item

    def _range(self, *args: Any) -> range:
        self.budget.check()
        numbers = range(*args)
        try:
            size = len(numbers)
        except OverflowError:
            size = MAX_RANGE + 1
        if size > MAX_RANGE:
            raise TemplateLimit(f"range() of more than {MAX_RANGE:,} numbers")
        return numbers

    # -- sandbox hooks -----------------------------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.budget.check()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.check()
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.budget.check()
        sequences = (str, bytes, list, tuple)
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, sequences)
                    and isinstance(times, int)
                    and times > 0
                    and self.weigh(seq) * times > MAX_SIZE
                ):
                    raise _too_big("a repeated sequence (`*`)")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() + right.bit_length() > MAX_INT_BITS
            ):
                raise TemplateLimit(f"a product of more than {MAX_INT_BITS:,} bits")
        elif operator == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and right > 0
                and abs(left) > 1
                and (right > MAX_INT_BITS or right * left.bit_length() > MAX_INT_BITS)
            ):
                raise TemplateLimit(f"a power of more than {MAX_INT_BITS:,} bits")
        elif operator == "+":
            if (
                isinstance(left, sequences)
                and isinstance(right, sequences)
                and self.weigh(left) + self.weigh(right) > MAX_SIZE
            ):
                raise _too_big("a concatenation (`+`)")
        elif operator == "%" and isinstance(left, str):
            if self.weigh(right) > MAX_SIZE:
                raise _too_big("the arguments of a `%` format")
            _check_percent(left, self.weigh(right))
        return self._produced(super().call_binop(context, operator, left, right), "an operator")

    def format_string(
        self, s: str, args: tuple[Any, ...], kwargs: dict[str, Any], format_func: Any = None
    ) -> str:
        """Jinja < 3.1.5 routes `str.format` here."""
        _check_format_spec(s, self._bounded_args(args, kwargs, "the arguments of str.format"))
        parent: Any = super()
        return str(self._produced(parent.format_string(s, args, kwargs, format_func), "a format"))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja >= 3.1.5 wraps `str.format` / `format_map` here: check widths and sizes first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            weight = self._bounded_args(args, kwargs, "the arguments of str.format")
            _check_format_spec(template, weight)
            return str(self._produced(wrapped(*args, **kwargs), "a format"))

        return functools.update_wrapper(checked, wrapped)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        self = __self
        self.budget.check()
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        kind = next((t for t in _METHODS if isinstance(owner, t)), None)
        if kind is not None:
            if name not in _METHODS[kind]:
                raise TemplateRefused(
                    f"calling {type(owner).__name__}.{name}() is not allowed in a stack-file "
                    "template"
                )
            args = _materialised(args)
            self._check_method(owner, name, args, kwargs)
        self._bounded_args(args, kwargs, "the arguments of a call")
        result = super().call(__context, __obj, *args, **kwargs)
        return self._produced(result, f"the result of {name or 'a call'}()")

    def _check_method(self, owner: Any, name: str, args: tuple[Any, ...], kw: Any) -> None:
        if name in ("center", "ljust", "rjust", "zfill"):
            width = args[0] if args else kw.get("width", 0)
            if isinstance(width, int) and width > MAX_SIZE:
                raise _too_big(f"str.{name}()")
        elif name == "expandtabs":
            size = args[0] if args else kw.get("tabsize", 8)
            tabs = owner.count("\t" if isinstance(owner, str) else b"\t")
            if isinstance(size, int) and size * (tabs + 1) > MAX_SIZE:
                raise _too_big("str.expandtabs()")
        elif name == "join" and args:
            items = list(args[0]) if not isinstance(args[0], str) else args[0]
            if self.weigh(items) + len(owner) * len(items) > MAX_SIZE:
                raise _too_big("str.join()")
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            count = args[2] if len(args) > 2 else kw.get("count")
            if (
                isinstance(old, str | bytes)
                and isinstance(new, str | bytes)
                and _replaced_length(owner, old, new, count) > MAX_SIZE
            ):
                raise _too_big("str.replace()")

    # -- filters -----------------------------------------------------------------------

    def _guard_filter(
        self, name: str, func: Callable[..., Any], check: Callable[..., Any] | None
    ) -> Callable[..., Any]:
        passes = _PassArg.from_obj(func) is not None

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.budget.check()
            # One-shot iterators (`map`, `select`) become lists, so a check can read them
            # and the filter still gets every item.
            args = (args[0], *_materialised(args[1:])) if passes else _materialised(args)
            values = args[1:] if passes else args
            self._bounded_args(values, kwargs, f"the input of the `{name}` filter")
            if check is not None:
                check(*values, **kwargs)
            return self._produced(func(*args, **kwargs), f"the result of the `{name}` filter")

        return guarded

    @staticmethod
    def _center(value: Any, width: int = 80) -> None:
        if isinstance(width, int) and width > MAX_SIZE:
            raise _too_big("the `center` filter")

    def _format(self, value: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(value, str):
            _check_percent(value, self._bounded_args(args, kwargs, "the `format` filter"))

    @staticmethod
    def _tojson(value: Any, indent: Any = None) -> None:
        # json.dumps(indent=10**9) writes 10**9 spaces per nesting level.
        step = len(indent) if isinstance(indent, str) else indent
        if isinstance(step, int) and step > 16:
            raise TemplateLimit("a `tojson` indent of more than 16")

    @staticmethod
    def _indent(s: Any, width: Any = 4, *args: Any, **kwargs: Any) -> None:
        step = len(width) if isinstance(width, str) else width
        if isinstance(step, int) and (str(s).count("\n") + 1) * step > MAX_SIZE:
            raise _too_big("the `indent` filter")

    def _join(self, value: Any, d: Any = "", attribute: Any = None) -> None:
        items = value if isinstance(value, str) else list(value)
        if self.weigh(items) + len(str(d)) * len(items) > MAX_SIZE:
            raise _too_big("the `join` filter")

    @staticmethod
    def _replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
        if _replaced_length(str(s), str(old), str(new), count) > MAX_SIZE:
            raise _too_big("the `replace` filter")

    @staticmethod
    def _batch(value: Any, linecount: Any, fill_with: Any = None) -> None:
        if isinstance(linecount, int) and linecount > MAX_RANGE:
            raise TemplateLimit(f"batches of more than {MAX_RANGE:,} items")

    @staticmethod
    def _slice(value: Any, slices: Any, fill_with: Any = None) -> None:
        if isinstance(slices, int) and slices > MAX_RANGE:
            raise TemplateLimit(f"more than {MAX_RANGE:,} slices")

    def _sum(self, iterable: Any, attribute: Any = None, start: Any = 0) -> None:
        if not isinstance(start, int | float):
            items = list(iterable) if not isinstance(iterable, str) else [iterable]
            if self.weigh(items) + self.weigh(start) > MAX_SIZE:
                raise _too_big("the `sum` filter")

    @staticmethod
    def _wordwrap(s: Any, width: Any = 79, *args: Any, **kwargs: Any) -> None:
        wrap = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or "\n"
        text = str(s)
        lines = len(text) // max(int(width), 1) + text.count("\n") + 1
        if lines * len(str(wrap)) + len(text) > MAX_SIZE:
            raise _too_big("the `wordwrap` filter")


__all__ = [
    "MAX_INT_BITS",
    "MAX_RANGE",
    "MAX_SIZE",
    "RENDER_BUDGET_SECONDS",
    "BoundedSandbox",
    "Budget",
    "FileBudgetSpent",
    "SecurityError",
    "TemplateLimit",
    "TemplateRefused",
    "refused_construct",
    "weigh",
]
