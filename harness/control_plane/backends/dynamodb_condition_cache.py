"""DynamoDB condition expressions parsed once in the embedded moto (#14).

moto parses a PutItem's ConditionExpression twice a call (once to check the names it uses,
once to evaluate it), lexing it character by character: ~4% of the harness process's CPU
under share load, where every share is a PutItem with `attribute_not_exists(id)`. An
expression with no ExpressionAttributeNames and no ExpressionAttributeValues parses to the
same tree every time, and moto only reads that tree (evaluating it against an item changes
nothing in it), so such a tree is kept and handed out again, with the names and values moto
recorded finding in it. An expression that does not parse is not kept: it fails each time as
before. Expressions with names or values are parsed as moto always did."""

from __future__ import annotations

import functools
import threading

KEPT = 256  # distinct expressions; past that the kept ones are dropped and kept anew

_parsed: dict[str, tuple] = {}
_lock = threading.Lock()


def _kept(parse):
    @functools.wraps(parse)
    def parse_once(parser):
        expression = parser.condition_expression
        if (
            not expression
            or parser.expression_attribute_names
            or (parser.expression_attribute_values)
        ):
            return parse(parser)
        found = _parsed.get(expression)
        if found is None:
            tree = parse(parser)
            found = (
                tree,
                tuple(parser.expr_attr_names_found),
                tuple(parser.expr_attr_values_found),
            )
            with _lock:
                if len(_parsed) >= KEPT:
                    _parsed.clear()
                _parsed[expression] = found
            return tree
        tree, names, values = found
        parser.expr_attr_names_found = list(names)
        parser.expr_attr_values_found = list(values)
        return tree

    parse_once.kept = True
    return parse_once


def parse_conditions_once() -> None:
    """Idempotent; patches moto's DynamoDB in this process only."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    if not getattr(ConditionExpressionParser.parse, "kept", False):
        ConditionExpressionParser.parse = _kept(ConditionExpressionParser.parse)
