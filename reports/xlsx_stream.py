"""A small streaming XLSX writer: rows go straight to the sheet's XML, nothing is held per cell.

openpyxl spends about ten microseconds a cell; a period's workbook has half a million cells, which alone
broke the report's time budget. This writes only what the report needs (text, numbers and dates, a bold
header, quote-prefixed text, hyperlinks, column widths, a frozen header row and an autofilter), in the
plain SpreadsheetML every spreadsheet program reads. Texts are inline strings; `reports.xlsx` decides
what goes into which cell.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

# Style indexes in styles.xml's cellXfs, in this order.
PLAIN, HEADER, DATE, QUOTED, LINK = 0, 1, 2, 3, 4
_EPOCH = dt.date(1899, 12, 30)
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_FORMULA_STARTS = ("=", "+", "-", "@")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet {_NS}>
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>
<fonts count="3">
<font><sz val="11"/><name val="Calibri"/></font>
<font><b/><sz val="11"/><name val="Calibri"/></font>
<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/></font>
</fonts>
<fills count="3">
<fill><patternFill patternType="none"/></fill>
<fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/></patternFill></fill>
</fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">
<alignment vertical="center"/></xf>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


class Cell(NamedTuple):
    """A value with a style and, optionally, a hyperlink target."""

    value: Any
    style: int = PLAIN
    link: str | None = None


class Prepared(NamedTuple):
    """A cell made ready to write: its XML after the reference ("" for no cell) and its hyperlink target."""

    body: str
    link: str | None = None


@dataclass
class _Sheet:
    title: str
    stream: IO[str]
    path: Path
    widths: Sequence[int] = ()
    rows: int = 0
    columns: int = 0
    links: list[tuple[str, int]] = field(default_factory=list)  # (cell reference, relationship number)
    targets: dict[str, int] = field(default_factory=dict)  # one relationship per distinct target


class StreamingWorkbook:
    """Sheets written one after the other into temporary files, zipped into an XLSX by `save`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sheets: list[_Sheet] = []
        # A text, or (type, value, style, linked) of any other value, -> its prepared cell: texts, dates,
        # numbers and linked texts recur, tens of thousands of times in the evidence sheet.
        self._texts: dict[str, Prepared] = {"": Prepared("")}
        self._bodies: dict[tuple[type, Any, int, bool], Prepared] = {}

    def sheet(self, title: str, headers: Sequence[tuple[str, int]]) -> _Sheet:
        """Start a sheet with a bold, frozen header row of `(name, width)` columns."""
        path = self.folder / f"sheet{len(self.sheets) + 1}.xml"
        sheet = _Sheet(_title(title), path.open("w", encoding="utf-8"), path, [w for _, w in headers])
        self.sheets.append(sheet)
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, width in enumerate(sheet.widths, 1)
        )
        sheet.stream.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_REL_NS}>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f"<cols>{cols}</cols><sheetData>"
        )
        self.row(sheet, [Cell(name, HEADER) for name, _ in headers])
        return sheet

    def row(self, sheet: _Sheet, values: Iterable[Any]) -> None:
        """Append a row of plain values or `Cell`s. A text is never a formula: it is an inline string, and
        quote-prefixed when it starts like one (`= + - @`), so it stays text when edited in Excel."""
        self.prepared_row(sheet, [self.prepare(value) for value in values])

    def prepare(self, value: Any) -> Prepared:
        """`value` (plain or a `Cell`) as `row` writes it, its XML made once per distinct value."""
        if type(value) is str:  # the common case first, without a Cell
            prepared = self._texts.get(value)
            if prepared is None:
                prepared = self._texts[value] = Prepared(_text_body(value, PLAIN))
            return prepared
        cell = value if isinstance(value, Cell) else Cell(value)
        key = (type(cell.value), cell.value, cell.style, bool(cell.link))
        prepared = self._bodies.get(key)
        if prepared is None:
            prepared = self._bodies[key] = Prepared(_cell_body(cell))
        return prepared._replace(link=cell.link) if cell.link else prepared

    def prepared_row(self, sheet: _Sheet, cells: Sequence[Prepared]) -> None:
        """Append a row of cells made by `prepare`: a value met again costs a join, not its XML."""
        sheet.rows += 1
        number = sheet.rows
        parts = [f'<row r="{number}">']
        letters = _LETTERS
        for index, (body, link) in enumerate(cells):
            if body:
                parts.append(f'<c r="{letters[index]}{number}"{body}')
            if link:
                target = sheet.targets.setdefault(link, len(sheet.targets) + 1)
                sheet.links.append((f"{letters[index]}{number}", target))
        sheet.columns = max(sheet.columns, len(cells))
        parts.append("</row>")
        sheet.stream.write("".join(parts))

    def save(self, path: Path) -> None:
        """Finish every sheet and write the workbook to `path` (atomically: a temporary file, renamed)."""
        for sheet in self.sheets:
            _finish(sheet)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                self._write_parts(archive)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _write_parts(self, archive: zipfile.ZipFile) -> None:
        count = len(self.sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            _rels([("rId1", "officeDocument", "xl/workbook.xml", False)]),
        )
        sheets = "".join(
            f'<sheet name={quoteattr(sheet.title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self.sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{escape(_quoted_title(sheet.title))}!{_filter_range(sheet, absolute=True)}</definedName>"
            for n, sheet in enumerate(self.sheets)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_REL_NS}>'
            f"<sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>",
        )
        relations = [(f"rId{n}", "worksheet", f"worksheets/sheet{n}.xml", False) for n in range(1, count + 1)]
        relations.append((f"rId{count + 1}", "styles", "styles.xml", False))
        archive.writestr("xl/_rels/workbook.xml.rels", _rels(relations))
        archive.writestr("xl/styles.xml", _STYLES)
        for n, sheet in enumerate(self.sheets, 1):
            archive.write(sheet.path, f"xl/worksheets/sheet{n}.xml")
            if sheet.links:
                links = [(f"rId{i}", "hyperlink", target, True) for target, i in sheet.targets.items()]
                archive.writestr(f"xl/worksheets/_rels/sheet{n}.xml.rels", _rels(links))


def _finish(sheet: _Sheet) -> None:
    stream = sheet.stream
    stream.write(f'</sheetData><autoFilter ref="{_filter_range(sheet)}"/>')
    if sheet.links:
        stream.write("<hyperlinks>")
        stream.write("".join(f'<hyperlink ref="{ref}" r:id="rId{target}"/>' for ref, target in sheet.links))
        stream.write("</hyperlinks>")
    stream.write("</worksheet>")
    stream.close()


def _filter_range(sheet: _Sheet, absolute: bool = False) -> str:
    last = _letter(max(sheet.columns, 1) - 1)
    if absolute:
        return f"$A$1:${last}${max(sheet.rows, 1)}"
    return f"A1:{last}{max(sheet.rows, 1)}"


def _rels(relations: Sequence[tuple[str, str, str, bool]]) -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    body = "".join(
        f'<Relationship Id="{rid}" Type="{base}{kind}" Target={quoteattr(target)}'
        + (' TargetMode="External"/>' if external else "/>")
        for rid, kind, target, external in relations
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'
    )


def _column_letters(number: int) -> str:
    """Excel's name of the 1-based column `number` (1: A, 27: AA, 16,384: XFD). Written here rather than
    imported from openpyxl, whose import alone took about a third of a second of every report."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_LETTERS = [_column_letters(n) for n in range(1, 16_385)]  # A .. XFD, every column a sheet has


def _letter(index: int) -> str:
    return _LETTERS[index]


def _cell_body(cell: Cell) -> str:
    """The cell's XML after `<c r="A1"`, or "" when the cell is left out (empty and unstyled)."""
    value, style = cell.value, cell.style
    if cell.link and style == PLAIN:
        style = LINK
    attribute = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f"{attribute}/>" if style else ""
    if isinstance(value, str):
        return _text_body(value, style)
    if isinstance(value, bool):
        return f'{attribute} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"{attribute}><v>{value}</v></c>"
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f' s="{DATE}"><v>{(day - _EPOCH).days}</v></c>'
    return _text_body(str(value), style)


def _text_body(value: str, style: int) -> str:
    """A text cell's XML after `<c r="A1"`: style, type and the escaped text."""
    text = value[:MAX_CELL_TEXT]
    if style == PLAIN and text.startswith(_FORMULA_STARTS):
        style = QUOTED
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    text = escape(text)
    attribute = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'{attribute} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet"


def _quoted_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"
