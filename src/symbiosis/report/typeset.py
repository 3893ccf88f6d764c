"""What the paper needs beyond jinja2: its bibliography, Typst's forms of text and math, and the PDF through Typst.

The body template writes math once, in LaTeX notation; `typst_math` turns the small subset it uses into Typst's
notation and refuses anything else, so that a new symbol fails loudly here instead of printing wrong. The PDF is
typeset by the `typst` package (a compiler in a Python wheel: no TeX installation needed).
"""

from __future__ import annotations

import re
from pathlib import Path

from symbiosis.errors import SymbiosisError
from symbiosis.files import write_with

# LaTeX math commands of the body and their Typst forms (commands taking an argument are handled in typst_math).
_TYPST_SYMBOLS = {
    "in": "in",
    "max": "max",
    "to": "->",
    "mid": "|",
    "parallel": "parallel",
    "ne": "!=",
    "log": "log",
    "exp": "exp",
    "alpha": "alpha",
    "lambda": "lambda",
    "rho": "rho",
    "sigma": "sigma",
    "partial": "partial",
    ",": "thin",
}


def _group(text: str, start: int) -> tuple[str, int]:
    """The brace group opening at text[start] ('{'), and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i], i + 1
    raise SymbiosisError(f"unbalanced braces in math: {text!r}")


def typst_math(tex: str) -> str:
    """LaTeX math (the subset the paper uses) in Typst's notation; an unknown command is an error naming it."""
    out, i = [], 0
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            match = re.match(r"\\([A-Za-z]+|,)\s*", tex[i:])
            if not match:
                raise SymbiosisError(f"unexpected backslash in math: {tex!r}")
            name, i = match.group(1), i + match.end()
            if name in ("mathbb", "mathrm", "overline"):
                arg, i = _group(tex, i)
                out.append({"mathbb": f"{arg}{arg}", "mathrm": f'"{arg}"'}.get(name, f"overline({typst_math(arg)})"))
            elif name == "bar":
                out.append(f"macron({tex[i]})")
                i += 1
            elif name in _TYPST_SYMBOLS:
                out.append(f" {_TYPST_SYMBOLS[name]} ")
            else:
                raise SymbiosisError(f"math command \\{name} has no Typst form in symbiosis.report.typeset: {tex!r}")
        elif char in "_^" and tex[i + 1 : i + 2] == "{":
            arg, i = _group(tex, i + 1)
            out.append(f"{char}({typst_math(arg)})")
        elif char in "_^":
            # Typst would read a_u(x) as a sub-scripted u(x): end a one-character script before a parenthesis.
            out.append(char + tex[i + 1] + (" " if tex[i + 2 : i + 3] == "(" else ""))
            i += 2
        elif char in "{}":
            raise SymbiosisError(f"braces outside a script or command in math: {tex!r}")
        elif char == "/":
            out.append(" slash ")  # Typst's / is a fraction; keep the inline solidus of the LaTeX
            i += 1
        else:
            out.append(char)
            i += 1
    return re.sub(r" {2,}", " ", "".join(out))


def typst_math_spans(text: str) -> str:
    """Every $...$ (inline) and $$...$$ (display) span of `text` in Typst's notation ($ ... $ is display there)."""

    def convert(match: re.Match) -> str:
        display, inline = match.groups()
        return f"$ {typst_math(display).strip()} $" if display is not None else f"${typst_math(inline).strip()}$"

    return re.sub(r"(?<!\\)\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", convert, text, flags=re.S)


_TYPST_ESCAPE = re.compile(r"([\\*_#@$<>\[\]`~=])")


def typst_text(text: str) -> str:
    """Plain text from the results (check names, labels) made safe for Typst markup."""
    return _TYPST_ESCAPE.sub(r"\\\1", str(text))


def compile_pdf(typ: str | Path, pdf: str | Path, root: str | Path = ".") -> None:
    """Typeset `typ` to `pdf` with Typst; files it reads (figures, bibliography) must lie under `root`."""
    import typst

    try:
        data = typst.compile(str(typ), root=str(root))
    except (RuntimeError, ValueError, OSError) as e:  # typst.TypstError subclasses RuntimeError
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SymbiosisError(f"typst could not typeset {typ}: {first}") from None
    write_with(pdf, lambda tmp: tmp.write_bytes(data))


def _keys(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",") if key.strip()]


class Bibliography:
    """The entries of references.bib and the keys the text cites, in order; citing a key it lacks is an error."""

    def __init__(self, path: str | Path):
        from pybtex.database import parse_file
        from pybtex.scanner import PybtexError

        self.path = Path(path)
        try:
            self.entries = parse_file(str(self.path), bib_format="bibtex").entries
        except (OSError, PybtexError) as e:
            raise SymbiosisError(f"cannot read the bibliography {self.path}: {e}") from None
        self.cited: list[str] = []

    def cite(self, keys: str) -> list[str]:
        """Record the comma-separated `keys` as cited, in order; a key the bibliography lacks is an error."""
        keys = _keys(keys)
        missing = [key for key in keys if key not in self.entries]
        if missing:
            raise SymbiosisError(f"the paper cites {', '.join(missing)}, which {self.path} does not hold")
        self.cited += [key for key in keys if key not in self.cited]
        return keys

    def authors(self, key: str) -> str:
        """'Zhu and Gupta', 'Olah et al.': the author part of an author-year citation."""
        people = self.entries[key].persons["author"]
        names = [" ".join(p.prelast_names + p.last_names).replace("{", "").replace("}", "") for p in people]
        if len(names) > 2:
            return f"{names[0]} et al."
        return " and ".join(names)

    def year(self, key: str) -> str:
        return self.entries[key].fields["year"]

    def parenthetical(self, keys: str) -> str:
        return "(" + "; ".join(f"{self.authors(k)}, {self.year(k)}" for k in self.cite(keys)) + ")"

    def textual(self, keys: str) -> str:
        return ", ".join(f"{self.authors(k)} ({self.year(k)})" for k in self.cite(keys))

    def markdown_list(self) -> list[str]:
        """The cited entries formatted by pybtex's plain style as Markdown, sorted by author and year."""
        from pybtex.plugin import find_plugin

        style = find_plugin("pybtex.style.formatting", "plain")()
        backend = find_plugin("pybtex.backends", "markdown")()
        keys = sorted(self.cited, key=lambda k: (self.authors(k), self.year(k)))
        formatted = style.format_entries(self.entries[key] for key in keys)
        return [
            f"{self.authors(key)} ({self.year(key)}). " + " ".join(entry.text.render(backend).split())
            for key, entry in zip(keys, formatted, strict=True)
        ]


class Figures:
    """Which figures the text includes and which it refers to: every included figure must be referred to."""

    PLACEHOLDER = "\x00figure:{}\x00"

    def __init__(self):
        self.included: list[str] = []
        self.referenced: set[str] = set()

    def include(self, name: str) -> int:
        if name in self.included:
            raise SymbiosisError(f"the paper includes figure {name!r} twice")
        self.included.append(name)
        return len(self.included)

    def refer(self, name: str) -> str:
        """A placeholder that `resolve` replaces by the figure's number (figures may be referred to before them)."""
        self.referenced.add(name)
        return self.PLACEHOLDER.format(name)

    def resolve(self, text: str) -> str:
        """Check the references and put the figure numbers in the placeholders of `text`."""
        unreferenced = [name for name in self.included if name not in self.referenced]
        if unreferenced:
            raise SymbiosisError(f"the paper includes figure(s) {', '.join(unreferenced)} but never refers to them")
        missing = sorted(self.referenced - set(self.included))
        if missing:
            raise SymbiosisError(f"the paper refers to figure(s) {', '.join(missing)} that it does not include")
        return re.sub("\x00figure:(\\w+)\x00", lambda m: str(self.included.index(m.group(1)) + 1), text)


def typst_table(markdown: str) -> str:
    """A Markdown pipe table (symbiosis.tables.to_markdown) as a Typst `table(...)` expression in code mode, with
    booktabs-like rules; the first column is left-aligned, the others centred."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in markdown.strip().splitlines()
        if line.strip().startswith("|") and not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip())
    ]
    if not rows:
        raise SymbiosisError("the main table (Markdown) has no rows")
    n = len(rows[0])

    def cells(row: list[str], strong: bool = False) -> str:
        return ", ".join(f"[*{typst_text(c)}*]" if strong else f"[{typst_text(c)}]" for c in row)

    body = "\n".join(f"  {cells(row)}," for row in rows[1:])
    return (
        f"table(\n  columns: {n},\n  align: (left,) + (center,) * {n - 1},\n  stroke: none,\n"
        f"  table.hline(),\n  table.header({cells(rows[0], strong=True)}),\n  table.hline(stroke: 0.5pt),\n"
        f"{body}\n  table.hline(),\n)"
    )
