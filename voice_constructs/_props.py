"""Synth-time validation of construct props, in the CDK style."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from aws_cdk import Token


class PropsError(ValueError):
    """A refusal of props that names them, and can name them as their source does.

    ``str(error)`` names the construct's props (``max_calls_per_minute``). An app that feeds
    the props from elsewhere (the sample app: ``-c`` context keys) names its own source with
    ``error.naming({"max_calls_per_minute": "-c maxCallsPerMinute"})``, without parsing the
    message. ``props`` lists the props the message names, the one refused first.
    """

    def __init__(self, template: str, **values: object) -> None:
        # Every replacement field of ``template`` not among ``values`` names a prop.
        fields = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        self.props = tuple(dict.fromkeys(field for field in fields if field not in values))
        self._template = template
        self._values = values
        super().__init__(self.naming({}))

    def naming(self, names: Mapping[str, str]) -> str:
        """The message with each prop in ``names`` named as it says, the others as props."""
        props = {prop: names.get(prop, prop) for prop in self.props}
        return self._template.format(**props, **self._values)


def check_form(prop: str, value: str | None, pattern: re.Pattern[str], form: str) -> None:
    """Raise ``ValueError`` naming ``prop`` unless ``value`` is None, a token, or fully matches."""
    if value is None or Token.is_unresolved(value):
        return
    if not pattern.fullmatch(value):
        raise ValueError(f"{prop} must be {form}, got {value!r}")
