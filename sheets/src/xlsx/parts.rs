//! The fixed parts of the package and the style indices cells refer to.
//!
//! Only the parts Excel needs are written: no theme, no shared strings (cells use inline
//! strings), no document properties. The style sheet is fixed because every style the writer
//! uses is known in advance.

use super::xml;

/// Path of the one worksheet inside the package.
pub(crate) const SHEET_PATH: &str = "xl/worksheets/sheet1.xml";

/// `cellXfs` indices, matching the order of `<cellXfs>` in [`STYLES`].
pub(crate) mod style {
    /// Text that looks like a formula: Excel's quote-prefix flag.
    pub(crate) const QUOTED: u8 = 1;
    /// Header row: bold on a light fill.
    pub(crate) const HEADER: u8 = 2;
    /// Header text that looks like a formula.
    pub(crate) const HEADER_QUOTED: u8 = 3;
    /// First title row: bold, larger.
    pub(crate) const TITLE: u8 = 4;
    /// First title row text that looks like a formula.
    pub(crate) const TITLE_QUOTED: u8 = 5;
    /// `yyyy-mm-dd`.
    pub(crate) const DATE: u8 = 6;
    /// `yyyy-mm-dd hh:mm:ss`.
    pub(crate) const DATETIME: u8 = 7;
    /// `0.00%` (built-in format 10).
    pub(crate) const PERCENT: u8 = 8;
}

pub(crate) const CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    r#"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    "</Types>"
);

pub(crate) const ROOT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    "</Relationships>"
);

pub(crate) const WORKBOOK_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    "</Relationships>"
);

pub(crate) const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<numFmts count="2">"#,
    r#"<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>"#,
    r#"<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>"#,
    "</numFmts>",
    r#"<fonts count="3">"#,
    r#"<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>"#,
    "</fonts>",
    r#"<fills count="3">"#,
    r#"<fill><patternFill patternType="none"/></fill>"#,
    r#"<fill><patternFill patternType="gray125"/></fill>"#,
    r#"<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>"#,
    "</fills>",
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="9">"#,
    r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" quotePrefix="1"/>"#,
    r#"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
    r#"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>"#,
    r#"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    "</cellXfs>",
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    "</styleSheet>"
);

/// The workbook part, naming the one sheet.
pub(crate) fn workbook(sheet_name: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#,
            r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
            r#"<bookViews><workbookView activeTab="0"/></bookViews>"#,
            r#"<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>"#,
            "</workbook>"
        ),
        name = xml::attribute(sheet_name)
    )
}

/// Everything of the worksheet part before the first row: the frozen pane below the header
/// and the column widths.
pub(crate) fn sheet_start(frozen_rows: u32, widths: &[f64]) -> String {
    let first_free = frozen_rows + 1;
    let mut out = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#,
        r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
        r#"<sheetViews><sheetView tabSelected="1" workbookViewId="0">"#,
    ));
    out.push_str(&format!(
        concat!(
            r#"<pane ySplit="{frozen}" topLeftCell="A{free}" activePane="bottomLeft" state="frozen"/>"#,
            r#"<selection pane="bottomLeft" activeCell="A{free}" sqref="A{free}"/>"#,
        ),
        frozen = frozen_rows,
        free = first_free
    ));
    out.push_str(r#"</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>"#);
    if !widths.is_empty() {
        out.push_str("<cols>");
        for (index, width) in widths.iter().enumerate() {
            out.push_str(&format!(
                r#"<col min="{n}" max="{n}" width="{width:.1}" customWidth="1"/>"#,
                n = index + 1
            ));
        }
        out.push_str("</cols>");
    }
    out.push_str("<sheetData>");
    out
}

/// Everything of the worksheet part after the last row.
pub(crate) const SHEET_END: &str = concat!(
    "</sheetData>",
    r#"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#,
    "</worksheet>"
);
