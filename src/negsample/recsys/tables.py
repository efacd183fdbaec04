"""Reading the columns of an interactions or feature file: CSV / TSV (any separator, ``.gz`` too) and
Parquet, through pyarrow, with errors that name the file, the line and the column.

Example
-------
>>> import pathlib, tempfile
>>> from negsample.recsys.tables import read_columns
>>> path = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
>>> _ = path.write_text("user,item,rating\\nu1,i1,4\\nu2,i1,oops\\n")
>>> read_columns(path, {"user": "user", "item": "item"})["item"].tolist()
['i1', 'i1']
>>> read_columns(path, {"user": "user", "rating": "rating"}, numeric=("rating",))
Traceback (most recent call last):
...
negsample.recsys.errors.RecsysDataError: ...events.csv, line 3, column 'rating': cannot read 'oops' as a number
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np

from .errors import RecsysDataError

__all__ = ["guess_separator", "read_columns"]

_PARQUET = (".parquet", ".pq")


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
    except ImportError as exc:  # pragma: no cover - the test extra installs pyarrow
        raise ImportError("reading interactions files needs pyarrow: pip install 'negsample[recsys]'") from exc
    return pa, pc, pacsv


def _name_of(source) -> str:
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<bytes>"


def _raw_bytes(source, name: str) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise RecsysDataError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise RecsysDataError(f"{name}: not a readable gzip file ({exc})") from exc
    return data


def guess_separator(name: str, first_line: str) -> str:
    """``\\t`` for .tsv/.tab/u.data, ``::`` for .dat, ``,`` for .csv; otherwise what the first line uses."""
    lowered = name.lower().removesuffix(".gz")
    if lowered.endswith((".tsv", ".tab", "u.data")):
        return "\t"
    if lowered.endswith(".dat"):
        return "::"
    if lowered.endswith(".csv"):
        return ","
    for candidate in ("\t", "::", "|", ",", ";"):
        if candidate in first_line:
            return candidate
    return ","


def _line_of_row(data: bytes, row: int, header: bool) -> int:
    """The 1-based line number of data row ``row`` (0-based), skipping empty lines as pyarrow does."""
    seen = -1 if header else 0
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        if seen == row:
            return number
        seen += 1
    return number


def _line_of_text(data: bytes, text: str) -> int | None:
    """The first line holding exactly ``text`` (pyarrow does not always know the row number)."""
    wanted = text.encode("utf-8", errors="replace")
    for number, line in enumerate(data.splitlines(), start=1):
        if line.rstrip(b"\r") == wanted:
            return number
    return None


def _header_names(data: bytes, sep: str, name: str) -> list[str]:
    """The column names exactly as pyarrow reads line 1 (quotes, blanks and all), so that a name found
    here is one pyarrow finds."""
    pa, _, pacsv = _pyarrow()
    quote = '"' if sep != "\x1f" else False
    first = data.lstrip(b"\r\n").split(b"\n", 1)[0] + b"\n"  # pyarrow's header: the first non-empty line
    try:
        reader = pacsv.open_csv(io.BytesIO(first), read_options=pacsv.ReadOptions(use_threads=False),
                                parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=quote))
        return list(reader.schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise RecsysDataError(f"{name}, line 1: cannot read the column names ({exc})") from exc


def _find_column(names: list[str], col: str) -> str | None:
    """``col`` among ``names``: exactly, else the first name that is ``col`` once blanks and quotes are off."""
    if col in names:
        return col
    return next((n for n in names if n.strip().strip('"') == col), None)


def read_columns(source, columns: dict, *, sep: str | None = None, header: bool | None = None,
                 numeric: tuple[str, ...] = (), name: str | None = None) -> dict[str, np.ndarray]:
    """Read the ``columns`` of a CSV/TSV/Parquet file as NumPy arrays.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A file (``.parquet``/``.pq`` is Parquet, anything else delimited text, gzip-compressed or not),
        or the bytes of a delimited text file.
    columns : dict of role -> column name (str) or 0-based position (int)
        E.g. ``{"user": "userId", "item": "movieId"}``; roles with ``None`` are skipped.
    sep : str, optional
        Field separator; guessed from the name or the first line (:func:`guess_separator`). May be
        longer than one character (MovieLens ``::``).
    header : bool, optional
        Whether the first line names the columns; default: yes unless every column is a position.
    numeric : tuple of roles
        Roles read as float64 (ratings, timestamps, weights); the others are read as strings.
    name : str, optional
        The file name used in messages (default: the path).

    Returns
    -------
    dict of role -> ndarray, each shape (n_rows,): str for ids, float64 for ``numeric`` roles.

    Raises
    ------
    RecsysDataError
        Missing column, a row with the wrong number of fields, a value that is not a number, an
        unreadable file; the message names the file, and the line and column where there is one.
    """
    name = name or _name_of(source)
    wanted = {role: col for role, col in columns.items() if col is not None}
    if not wanted:
        raise ValueError("columns: expected at least one column to read")
    if header is None:
        header = not all(isinstance(col, int) for col in wanted.values())
    if not isinstance(source, (bytes, bytearray)) and name.lower().endswith(_PARQUET):
        return _read_parquet(source, wanted, numeric, name)
    data = _raw_bytes(source, name)
    text_start = data[:65536].decode("utf-8", errors="replace")
    first_line = next((line for line in text_start.splitlines() if line.strip()), "")
    if not first_line:
        raise RecsysDataError(f"{name}: the file is empty")
    sep = sep or guess_separator(name, first_line)
    if len(sep) > 1:  # pyarrow wants one character; MovieLens ratings.dat uses '::'
        if b"\x1f" in data:
            raise RecsysDataError(f"{name}: cannot use separator {sep!r} in a file that holds byte 0x1f")
        data, first_line = data.replace(sep.encode(), b"\x1f"), first_line.replace(sep, "\x1f")
        sep = "\x1f"
    names = _header_names(data, sep, name) if header else [f"f{i}" for i in range(len(first_line.split(sep)))]
    selected = {}
    for role, col in wanted.items():
        if isinstance(col, int):
            if not 0 <= col < len(names):
                raise RecsysDataError(f"{name}: the {role} column is position {col}, but line 1 has "
                                      f"{len(names)} fields")
            selected[role] = names[col]
        elif (found := _find_column(names, col)) is None:
            shown = [n.strip().strip('"') for n in names]
            raise RecsysDataError(f"{name}: no column {col!r} for the {role} (line 1 has columns {shown})")
        else:
            selected[role] = found
    return _read_delimited(data, selected, sep, header, names, numeric, name)


def _read_delimited(data, selected, sep, header, names, numeric, name):
    pa, pc, pacsv = _pyarrow()
    invalid = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    read = pacsv.ReadOptions(column_names=None if header else names, autogenerate_column_names=False,
                             use_threads=True)
    quote = '"' if sep != "\x1f" else False  # MovieLens '::' files have bare quotes in titles
    parse = pacsv.ParseOptions(delimiter=sep, invalid_row_handler=on_invalid, quote_char=quote)
    convert = pacsv.ConvertOptions(include_columns=sorted(set(selected.values())),
                                   column_types={col: pa.string() for col in selected.values()},
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    try:
        table = pacsv.read_csv(io.BytesIO(data), read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError) as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:  # say where, which pyarrow does not
            line = data.count(b"\n", 0, bad.start) + 1
            raise RecsysDataError(f"{name}, line {line}: not UTF-8 text ({bad.reason})") from exc
        raise RecsysDataError(f"{name}: cannot parse ({exc})") from exc
    if invalid:
        row = invalid[0]
        number = row.number if row.number is not None else _line_of_text(data, row.text)
        where = f"line {number}" if number is not None else "a line"
        shown = row.text.replace("\x1f", "::")[:80]
        raise RecsysDataError(f"{name}, {where}: expected {row.expected_columns} fields, got "
                              f"{row.actual_columns}: {shown!r}")
    out = {}
    for role, col in selected.items():
        column = table.column(col)
        if role in numeric:
            out[role] = _to_float(column, pa, pc, lambda row, c=col: _where(data, row, header, name, c))
        else:
            out[role] = _to_str(column, pa, pc, lambda row, c=col: _where(data, row, header, name, c))
    return out


def _where(data, row, header, name, col) -> str:
    return f"{name}, line {_line_of_row(data, row, header)}, column {col!r}"


def _to_str(column, pa, pc, where) -> np.ndarray:
    """Ids as a NumPy str array. A NUL is refused: NumPy drops a trailing one, so "u1\\0" would be "u1"."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        nul = pc.match_substring(column, "\x00")
        if pc.any(nul).as_py():
            row = int(np.flatnonzero(np.asarray(nul.to_numpy(zero_copy_only=False), dtype=bool))[0])
            raise RecsysDataError(f"{where(row)}: a NUL byte in {column[row].as_py()!r}; not a text id (a binary "
                                  "or UTF-16 file?)")
    return np.asarray(column.to_numpy(zero_copy_only=False)).astype(str)


def _to_float(column, pa, pc, where) -> np.ndarray:
    def cast(values):
        return np.asarray(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)

    try:
        return cast(column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:  # " 4" and "4 " are numbers too (pyarrow takes no blanks around a number)
            return cast(pc.utf8_trim_whitespace(column))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    for row, value in enumerate(column.to_pylist()):  # the first value that is not a number, by name
        try:
            cast(pa.array([value.strip() if isinstance(value, str) else value]))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            raise RecsysDataError(f"{where(row)}: cannot read {value!r} as a number") from None
    raise RecsysDataError(f"{where(0)}: cannot read the column as numbers ({column.type})")


def _read_parquet(source, wanted, numeric, name):
    pa, pc, _ = _pyarrow()
    import pyarrow.parquet as pq

    try:  # a damaged footer can also fail as bytes that are not UTF-8 in a column path (a ValueError)
        schema_names = pq.read_schema(source).names
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise RecsysDataError(f"{name}: not a readable Parquet file ({exc})") from exc
    selected = {}
    for role, col in wanted.items():
        if isinstance(col, int):
            if not 0 <= col < len(schema_names):
                raise RecsysDataError(f"{name}: the {role} column is position {col}, but the file has "
                                      f"{len(schema_names)} columns")
            col = schema_names[col]
        if col not in schema_names:
            raise RecsysDataError(f"{name}: no column {col!r} for the {role} (columns: {schema_names})")
        selected[role] = col
    try:  # a damaged file may have a readable schema and damaged pages
        table = pq.read_table(source, columns=sorted(set(selected.values())))
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise RecsysDataError(f"{name}: not a readable Parquet file ({exc})") from exc
    out = {}
    for role, col in selected.items():
        column = table.column(col)
        if column.null_count:
            row = int(np.flatnonzero(np.asarray(column.is_null().to_numpy(zero_copy_only=False)))[0])
            raise RecsysDataError(f"{name}, row {row + 1}, column {col!r}: missing value")
        if role in numeric:
            if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                column = pc.cast(pc.cast(column, pa.timestamp("s")), pa.int64())
            out[role] = _to_float(column, pa, pc, lambda row, c=col: f"{name}, row {row + 1}, column {c!r}")
        else:
            out[role] = _to_str(column, pa, pc, lambda row, c=col: f"{name}, row {row + 1}, column {c!r}")
    return out
