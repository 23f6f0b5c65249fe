"""The one exception type for mistakes a user can fix.

The CLI prints its message without a traceback and exits with status 2, so
every message must name what is wrong and how to fix it.
"""


class UserError(Exception):
    """Bad input from the user: a file, a setting, a device, a command line."""
