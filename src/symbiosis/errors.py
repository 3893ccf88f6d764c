"""One exception type for every expected failure: the CLI prints its message as one line and exits non-zero."""


class SymbiosisError(Exception):
    """A failure the user can fix; the message says what is wrong and how to fix it, on one line."""
