"""What a snippet may reach: the modules it is given, and the members and names withheld.

The static policy, the runtime guards and the disarming of pandas and numpy all read these
lists, so a name is withheld the same way at every layer.
"""

from __future__ import annotations

from typing import Final

REACHABLE_MODULES: Final = frozenset(
    {
        "pandas",
        "numpy",
        "re",
        "math",
        "datetime",
        "numpy.random",
        "numpy.linalg",
        "numpy.fft",
        "numpy.char",
        "numpy.strings",
        "numpy.ma",
        "pandas.api",
        "pandas.api.types",
        "pandas.arrays",
        "pandas.errors",
        "pandas.tseries",
        "pandas.tseries.offsets",
    }
)
"""Modules (by `__name__`) an attribute may lead to; any other module is withheld."""

CONVERSIONS: Final = frozenset(
    {
        "to_datetime",
        "to_numeric",
        "to_timedelta",
        "to_list",
        "to_numpy",
        "to_dict",
        "to_frame",
        "to_period",
        "to_timestamp",
        "to_pydatetime",
        "to_flat_index",
        "to_series",
        "to_records",
        "to_offset",
    }
)
"""`to_*` members that convert in memory; every other `to_*` member writes somewhere."""

IO_MEMBERS: Final = frozenset(
    {
        "tofile",
        "fromfile",
        "fromregex",
        "load",
        "loads",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "loadtxt",
        "genfromtxt",
        "memmap",
        "open_memmap",
        "DataSource",
        "ExcelWriter",
        "ExcelFile",
        "HDFStore",
        "dump",
        "dumps",
    }
)
"""File and serialisation members of pandas and numpy that are not named `read_*`/`to_*`."""

INTERNAL_MEMBERS: Final = frozenset(
    {
        "io",
        "ctypeslib",
        "ctypes",
        "lib",
        "core",
        "compat",
        "util",
        "testing",
        "f2py",
        "os",
        "sys",
        "subprocess",
        "builtins",
        "importlib",
        "pickle",
        "extensions",
        "interchange",
        "pandas",
        "config",
    }
)
"""Members leading into internals or other modules (`pd.io`, `np.lib`, `datetime.sys`...)."""

INTROSPECTION_MEMBERS: Final = frozenset(
    {
        "mro",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "f_globals",
        "f_locals",
        "f_back",
        "f_builtins",
        "f_code",
        "f_trace",
        "tb_frame",
        "tb_next",
        "co_code",
        "func_globals",
        "func_code",
    }
)
"""Members that reach frames, code objects or the class hierarchy."""

FORMAT_MEMBERS: Final = frozenset({"format", "format_map", "vformat"})
"""String formatting that can walk attributes (`"{0.__class__}".format(x)`)."""

SETTINGS_MEMBERS: Final = frozenset(
    {
        "options",
        "set_option",
        "get_option",
        "reset_option",
        "describe_option",
        "option_context",
        "set_printoptions",
        "seterr",
        "seterrcall",
        "register_dataframe_accessor",
        "register_series_accessor",
        "register_index_accessor",
        "register_extension_dtype",
    }
)
"""Process-wide settings and registries."""

PLOTTING_MEMBERS: Final = frozenset({"plot", "plotting", "hist", "boxplot", "style"})
"""Plotting and styling, which can import a backend module chosen by name."""

EXPRESSION_MEMBERS: Final = frozenset({"eval", "query"})
"""pandas' string-expression evaluators, allowed only with a vetted literal expression."""

BLOCKED_BUILTINS: Final = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "input",
        "globals",
        "locals",
        "vars",
        "dir",
        "setattr",
        "delattr",
        "breakpoint",
        "help",
        "memoryview",
        "type",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
        "exit",
        "quit",
        "format",
        "bytearray",
        "bytes",
    }
)
"""Builtins a snippet never gets."""

BLOCKED_MODULE_NAMES: Final = frozenset(
    {
        "os",
        "sys",
        "subprocess",
        "socket",
        "builtins",
        "importlib",
        "pickle",
        "shutil",
        "ctypes",
        "io",
        "pathlib",
        "marshal",
        "signal",
        "threading",
        "multiprocessing",
        "pty",
        "posix",
        "tempfile",
        "urllib",
        "requests",
        "http",
        "shelve",
        "inspect",
        "gc",
        "pa",
        "pyarrow",
    }
)
"""Modules a snippet might try to use by name; none of them is given to it."""

NAME_LOOKUP_MEMBERS: Final = frozenset({"getattr", "hasattr"})
"""Builtins that look a member up by a string, allowed only with a literal, permitted name."""


def blocked_member(name: str) -> str | None:
    """Why the attribute `name` is withheld from snippets, or None when they may use it."""
    if name.startswith("__") and name.endswith("__"):
        return f"double-underscore names such as '{name}' are not allowed"
    if name.startswith("_"):
        return f"names starting with '_' such as '{name}' are not allowed"
    if _is_io(name):
        return (
            f"'{name}' reads or writes files, which the sandbox does not allow "
            "(the result left in df is saved for you)"
        )
    if name in INTERNAL_MEMBERS:
        return f"'{name}' leads to internals or other modules, which the sandbox withholds"
    if name in INTROSPECTION_MEMBERS:
        return f"'{name}' inspects frames, code or classes, which the sandbox does not allow"
    if name in FORMAT_MEMBERS:
        return f"'{name}' can reach attributes through a format string; use an f-string instead"
    if name in SETTINGS_MEMBERS:
        return f"'{name}' changes global settings, which the sandbox does not allow"
    if name in PLOTTING_MEMBERS:
        return f"'{name}' draws or styles output, which the sandbox does not support"
    return None


def blocked_name(name: str) -> str | None:
    """Why the bare name `name` is withheld from snippets, or None when it is not."""
    if name in BLOCKED_BUILTINS:
        return f"'{name}' is not available in the sandbox"
    if name in BLOCKED_MODULE_NAMES:
        return f"module '{name}' is not available: only pd, np, re, math and datetime are"
    return None


def _is_io(name: str) -> bool:
    return (
        name.startswith("read_")
        or (name.startswith("to_") and name not in CONVERSIONS)
        or name in IO_MEMBERS
    )
