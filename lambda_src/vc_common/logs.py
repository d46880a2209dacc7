"""Log records that leak nothing and stay small, whatever the input quoted in them."""

from __future__ import annotations

import logging

from vc_common.phone import TEXT_LIMIT, shorten

# The attributes every LogRecord has; anything else came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}
# Identifiers AWS made (Lambda request ids, SQS and SMS message ids): cut, never masked, since
# a UUID's digit groups look like phone numbers to the mask and the ids must stay searchable.
TRUSTED_IDS = frozenset({"request_id", "message_id", "SourceMessageId", "claimed_by"})


class SafeFields(logging.Filter):
    """Masks phone numbers in, and cuts to TEXT_LIMIT, the message and every ``extra`` text.

    Attached to a handler's logger, it is the last word on what that logger writes, so a field
    that forgot to mask or cut its value still leaks no number and no megabyte of input.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's texts in place; never drops a record."""
        record.msg = shorten(record.getMessage(), TEXT_LIMIT)
        record.args = None
        for name, value in list(vars(record).items()):
            if name in _STANDARD or not isinstance(value, str):
                continue
            if name in TRUSTED_IDS:
                setattr(record, name, value[:TEXT_LIMIT])
            else:
                setattr(record, name, shorten(value, TEXT_LIMIT))
        return True


def safe_logger(name: str, level: str) -> logging.Logger:
    """The handler's logger at ``level``, with SafeFields on it (once)."""
    logger = logging.getLogger(name)
    logger.setLevel(level)
    if not any(isinstance(f, SafeFields) for f in logger.filters):
        logger.addFilter(SafeFields())
    return logger
