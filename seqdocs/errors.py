"""The errors seqdocs raises for bad input.

Both subclass the built-in exception a caller would expect (`ValueError`, `TypeError`), so code that
already catches those keeps working. The command line catches exactly these two and prints their message as
one line; any other exception is a bug in seqdocs and is allowed to show its traceback.
"""


class InputError(ValueError):
    """A value the caller gave is not usable: an unknown token, an empty sequence, a size out of range.

    The message names the problem and says how to fix it.

    Examples:
        >>> from seqdocs import make_setup
        >>> try:
        ...     make_setup("")
        ... except InputError as error:
        ...     print(error)
        the sequence is empty: give at least one token, e.g. "a b c"
    """


class InputTypeError(TypeError):
    """A value the caller gave has the wrong type, such as a seed that is not a whole number.

    Examples:
        >>> from seqdocs import make_setup
        >>> try:
        ...     make_setup("a b c", seed=1.5)
        ... except InputTypeError as error:
        ...     print(error)
        seed must be a whole number, got 1.5 (float)
    """


def show_token(token: str) -> str:
    """Quote a token for a message or a table, escaping anything that could not be seen or could garble a terminal.

    Args:
        token: The token as the user typed it.

    Returns:
        The token in single quotes, with control characters, quotes and backslashes escaped.

    Examples:
        >>> print(show_token("a"))
        'a'
        >>> print(show_token("\\x1b[31m"))
        '\\x1b[31m'
    """
    return repr(str(token)) if "'" not in token else "'" + repr(token)[1:-1].replace("'", "\\'") + "'"
