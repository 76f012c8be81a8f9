"""KPI formulas such as `meetings / calls`, evaluated by a whitelist — never by `eval`.

A formula may hold numbers, metric names, + - * / (also − × ÷), parentheses and min / max / abs.
Python's own parser builds the tree; only the node types below are accepted, every other one is
refused with a message saying what was found. Arithmetic is exact `Decimal`.
"""
from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from kpi_reports.messages import Msg, msg
from kpi_reports.names import norm

MAX_LENGTH = 500
LIMIT = 10**15
EXACT = Context(prec=40)
_FUNCTIONS: dict[str, Callable[..., Decimal]] = {"min": min, "max": max, "abs": abs}
_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_SYMBOLS = str.maketrans({"−": "-", "×": "*", "÷": "/", "·": "*"})


class FormulaError(ValueError):
    """The formula text is not allowed; `message` says what was found."""

    def __init__(self, message: Msg):
        super().__init__(str(message))
        self.message = message


class NoValue(ArithmeticError):
    """A denominator was zero: the formula has no value for this row. `metric`: the denominator's
    metric name, when it is a single one."""

    def __init__(self, denominator: ast.expr):
        super().__init__(ast.unparse(denominator))
        self.metric = norm(denominator.id) if isinstance(denominator, ast.Name) else None


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.expr
    metrics: tuple[str, ...]
    """Normalised metric names, in order of first use."""

    @property
    def single_metric(self) -> str | None:
        return self.metrics[0] if isinstance(self.tree, ast.Name) else None

    def evaluate(self, values: Mapping[str, Decimal | None]) -> Decimal:
        """The formula's value; a missing or empty metric counts as 0. Raises NoValue on x / 0."""
        with localcontext(EXACT):
            return _eval(self.tree, values, self.keys)

    @functools.cached_property
    def denominators(self) -> frozenset[str]:
        """The normalised metrics in the divisor of any division: {"calls"} for `meetings / calls`,
        {"calls", "emails"} for `meetings / (calls + emails)`; empty without a division."""
        return frozenset(norm(n.id) for node in ast.walk(self.tree)
                         if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                         for n in ast.walk(node.right) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS)

    @functools.cached_property
    def keys(self) -> dict[str, str]:
        """Each name as written → its normalised metric key."""
        return {n.id: norm(n.id) for n in ast.walk(self.tree) if isinstance(n, ast.Name)}


def spreadsheet(formula: Formula, refs: Mapping[str, str]) -> str:
    """The formula as a spreadsheet writes it, each metric (normalised key) replaced by `refs`' expression
    for it (a cell, a COUNTIFS…): `meetings / calls` → `(B7)/(COUNTIFS(…))`."""
    return _sheet(formula.tree, refs, formula.keys)


def _sheet(node: ast.expr, refs: Mapping[str, str], keys: dict[str, str]) -> str:
    if isinstance(node, ast.BinOp):
        return f"({_sheet(node.left, refs, keys)}{_symbol_of(node.op)}{_sheet(node.right, refs, keys)})"
    if isinstance(node, ast.UnaryOp):
        return f"({'-' if isinstance(node.op, ast.USub) else '+'}{_sheet(node.operand, refs, keys)})"
    if isinstance(node, ast.Constant):
        return format(Decimal(str(node.value)), "f")
    if isinstance(node, ast.Name):
        return f"({refs[keys[node.id]]})"
    if isinstance(node, ast.Call):
        return f"{node.func.id.upper()}({','.join(_sheet(a, refs, keys) for a in node.args)})"
    raise AssertionError(f"unchecked node {node!r}")


def _symbol_of(op: ast.operator) -> str:
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(op)]


def parse(text: str) -> Formula:
    if len(text) > MAX_LENGTH:
        raise FormulaError(msg("f_too_long", length=len(text), limit=MAX_LENGTH))
    source = text.translate(_SYMBOLS).strip()
    try:
        tree = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError(msg("f_syntax")) from None
    metrics: list[str] = []
    for node in ast.walk(tree):
        _check(node)
        if isinstance(node, ast.Name) and node.id not in _FUNCTIONS:
            key = norm(node.id)
            if key not in metrics:
                metrics.append(key)
    return Formula(text=text, tree=tree, metrics=tuple(metrics))


def _check(node: ast.AST) -> None:
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Name, ast.operator, ast.unaryop, ast.Load)):
        if isinstance(node, ast.operator) and type(node) not in _OPERATORS:
            raise FormulaError(msg("f_operator", op=_symbol(node)))
        if isinstance(node, ast.unaryop) and not isinstance(node, (ast.USub, ast.UAdd)):
            raise FormulaError(msg("f_operator", op=_symbol(node)))
        return
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if not abs(node.value) < LIMIT:
            raise FormulaError(msg("f_number", number=ast.unparse(node)))
        return
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in _FUNCTIONS or node.keywords or not node.args:
            raise FormulaError(msg("f_call", name=name))
        if name == "abs" and len(node.args) != 1:
            raise FormulaError(msg("f_abs"))
        return
    raise FormulaError(msg("f_other", what=_describe(node)))


def _symbol(op: ast.AST) -> str:
    return {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.Not: "not", ast.Invert: "~",
            ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
            ast.LShift: "<<", ast.RShift: ">>"}.get(type(op), type(op).__name__)


def _describe(node: ast.AST) -> str:
    return f"'{ast.unparse(node)}'"


def _eval(node: ast.expr, values: Mapping[str, Decimal | None], keys: dict[str, str]) -> Decimal:
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values, keys), _eval(node.right, values, keys)
        if isinstance(node.op, ast.Div) and right == 0:
            raise NoValue(node.right)
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, values, keys)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        return values.get(keys[node.id]) or Decimal(0)
    if isinstance(node, ast.Call):
        return _FUNCTIONS[node.func.id](*(_eval(a, values, keys) for a in node.args))
    raise AssertionError(f"unchecked node {node!r}")  # parse() refused everything else
