//! Uploaded files: which kinds are accepted, and what a file is, judged by its
//! bytes and never by its name. A name can say anything, but a browser or an
//! office suite acts on what is inside, so a page of HTML called `budget.pdf`
//! or a program called `photo.jpg` is refused here, with a sentence saying
//! what to upload instead.

use crate::Invalid;

/// The kinds of file people may upload: documents, images, spreadsheets and
/// plain text. None of them runs code when a browser opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Csv,
    Text,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
}

impl FileKind {
    pub const ALL: [FileKind; 13] = [
        FileKind::Pdf,
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Gif,
        FileKind::Webp,
        FileKind::Csv,
        FileKind::Text,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Pptx,
        FileKind::Odt,
        FileKind::Ods,
        FileKind::Odp,
    ];

    /// The media type to serve the file with, usable as a `Content-Type`.
    /// Text kinds name their charset: they were checked to be UTF-8, and a
    /// browser left to guess the encoding may guess wrong.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Csv => "text/csv; charset=utf-8",
            FileKind::Text => "text/plain; charset=utf-8",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
        }
    }

    /// The name endings accepted for this kind, in lower case, the usual one
    /// first (it is the one added to a name that has none).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Gif => &["gif"],
            FileKind::Webp => &["webp"],
            FileKind::Csv => &["csv"],
            FileKind::Text => &["txt", "md"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Pptx => &["pptx"],
            FileKind::Odt => &["odt"],
            FileKind::Ods => &["ods"],
            FileKind::Odp => &["odp"],
        }
    }

    /// What to call the kind in a sentence: "PDF document".
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF document",
            FileKind::Png => "PNG image",
            FileKind::Jpeg => "JPEG image",
            FileKind::Gif => "GIF image",
            FileKind::Webp => "WebP image",
            FileKind::Csv => "CSV spreadsheet",
            FileKind::Text => "plain text file",
            FileKind::Docx => "Word document",
            FileKind::Xlsx => "Excel spreadsheet",
            FileKind::Pptx => "PowerPoint presentation",
            FileKind::Odt => "OpenDocument text document",
            FileKind::Ods => "OpenDocument spreadsheet",
            FileKind::Odp => "OpenDocument presentation",
        }
    }

    /// The kind a name ending stands for, ignoring case.
    pub fn from_extension(ext: &str) -> Option<FileKind> {
        let ext = ext.to_ascii_lowercase();
        FileKind::ALL
            .into_iter()
            .find(|kind| kind.extensions().contains(&ext.as_str()))
    }

    fn with_article(self) -> &'static str {
        match self {
            FileKind::Pdf => "a PDF document",
            FileKind::Png => "a PNG image",
            FileKind::Jpeg => "a JPEG image",
            FileKind::Gif => "a GIF image",
            FileKind::Webp => "a WebP image",
            FileKind::Csv => "a CSV spreadsheet",
            FileKind::Text => "plain text",
            FileKind::Docx => "a Word document",
            FileKind::Xlsx => "an Excel spreadsheet",
            FileKind::Pptx => "a PowerPoint presentation",
            FileKind::Odt => "an OpenDocument text document",
            FileKind::Ods => "an OpenDocument spreadsheet",
            FileKind::Odp => "an OpenDocument presentation",
        }
    }

    /// How to ask for the kind, after "saved as".
    fn save_as(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Gif => "GIF",
            FileKind::Webp => "WebP",
            FileKind::Csv => "CSV",
            FileKind::Text => "plain text",
            FileKind::Docx => "a Word document (.docx)",
            FileKind::Xlsx => "an Excel workbook (.xlsx)",
            FileKind::Pptx => "a PowerPoint presentation (.pptx)",
            FileKind::Odt => "an OpenDocument text document (.odt)",
            FileKind::Ods => "an OpenDocument spreadsheet (.ods)",
            FileKind::Odp => "an OpenDocument presentation (.odp)",
        }
    }

    fn is_image(self) -> bool {
        matches!(
            self,
            FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp
        )
    }
}

/// An upload that passed `check_upload`: its kind, read from its contents,
/// and a name that is safe to show and to offer back as a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    kind: FileKind,
    file_name: String,
}

impl Upload {
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The name without any folders, control or direction-changing
    /// characters, at most 200 characters, never empty, and ending with an
    /// extension of its kind.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }
}

/// Longest name kept, in characters. Long enough for any real document title,
/// short enough for a table column and every file system.
const MAX_NAME_CHARS: usize = 200;

/// The stand-in for a name that tidies away to nothing (`..`, `/`, spaces).
const FALLBACK_NAME: &str = "upload";

/// Checks an upload before it is stored: it must be non-empty, at most
/// `max_bytes`, of a kind we accept, and its name must not claim a kind its
/// contents are not. Only for CSV versus plain text does the name decide,
/// since the bytes cannot tell them apart.
pub fn check_upload(file_name: &str, bytes: &[u8], max_bytes: usize) -> Result<Upload, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::new("file", "The selected file is empty"));
    }
    if bytes.len() > max_bytes {
        return Err(Invalid::new(
            "file",
            format!(
                "The selected file must be smaller than {}",
                human_size(max_bytes)
            ),
        ));
    }

    let tidied = tidy_name(file_name);
    let (stem, typed_ext, declared) = match tidied.rsplit_once('.') {
        Some((stem, ext)) => match FileKind::from_extension(ext) {
            Some(kind) => (stem, Some(ext), Some(kind)),
            None => (tidied.as_str(), None, None),
        },
        None => (tidied.as_str(), None, None),
    };
    let shown = fit(stem, typed_ext);

    let Some(found) = sniff(bytes) else {
        return Err(match declared {
            Some(declared) => disguised(&shown, declared, describe(bytes)),
            None if bytes.starts_with(OLE_COMPOUND) => Invalid::new(
                "file",
                format!(
                    "‘{shown}’ is in an older Office format. Open it, save it as .docx, .xlsx, \
                     .pptx or PDF, and upload that instead"
                ),
            ),
            None => Invalid::new(
                "file",
                "The selected file must be a PDF, image, spreadsheet, document or plain text file",
            ),
        });
    };

    let kind = match declared {
        None => found,
        Some(declared) if declared == found => found,
        // Only the name can tell a CSV file from other text.
        Some(declared @ (FileKind::Csv | FileKind::Text)) if found == FileKind::Text => declared,
        // A WebP or PNG saved with a .jpg name is common (browsers and phones
        // do it) and harmless: every image kind is displayed by its bytes, so
        // the name is corrected rather than the person sent away.
        Some(declared) if declared.is_image() && found.is_image() => found,
        Some(declared) => return Err(disguised(&shown, declared, describe(bytes))),
    };

    let ext = match typed_ext {
        Some(ext) if declared == Some(kind) => ext,
        _ => kind.extensions()[0],
    };
    Ok(Upload {
        kind,
        file_name: fit(stem, Some(ext)),
    })
}

/// Joins a name's stem and ending within `MAX_NAME_CHARS`, shortening the
/// stem so that the ending, which says what the file is, always survives.
fn fit(stem: &str, ext: Option<&str>) -> String {
    let room = match ext {
        Some(ext) => MAX_NAME_CHARS - 1 - ext.chars().count(),
        None => MAX_NAME_CHARS,
    };
    let stem: String = stem.chars().take(room).collect();
    let stem = match stem.trim_end_matches(|c: char| c == '.' || c.is_whitespace()) {
        "" => FALLBACK_NAME,
        stem => stem,
    };
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_owned(),
    }
}

fn disguised(shown: &str, declared: FileKind, contents: Option<&str>) -> Invalid {
    let what = match contents {
        Some(contents) => format!(": its contents are {contents}"),
        None => ", or it is damaged".to_owned(),
    };
    Invalid::new(
        "file",
        format!(
            "‘{shown}’ is not really {}{what}. Upload the file itself, saved as {}",
            declared.with_article(),
            declared.save_as(),
        ),
    )
}

/// Strips what a browser may send besides the name itself (folders, as old
/// browsers and some clients do), and characters that could hide the real
/// ending when the name is shown: controls, and the direction overrides that
/// make `photo\u{202E}gpj.exe` display as `photoexe.jpg`. Leading dots go too,
/// so a name can never be `..` or a hidden file.
fn tidy_name(raw: &str) -> String {
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let base = clean.rsplit(['/', '\\']).next().unwrap_or_default();
    match base.trim_matches(|c: char| c == '.' || c.is_whitespace()) {
        "" => FALLBACK_NAME.to_owned(),
        base => base.to_owned(),
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A size as a person reads it, rounded down so that "smaller than" stays
/// true: 10485760 is "10 MB", 1572864 is "1.5 MB".
fn human_size(bytes: usize) -> String {
    const UNITS: [(u128, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    let bytes_wide = bytes as u128;
    for (unit, name) in UNITS {
        if bytes_wide >= unit {
            let tenths = bytes_wide * 10 / unit;
            return match tenths % 10 {
                0 => format!("{} {name}", tenths / 10),
                frac => format!("{}.{frac} {name}", tenths / 10),
            };
        }
    }
    format!("{bytes} bytes")
}

const PDF: &[u8] = b"%PDF-";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG: &[u8] = b"\xFF\xD8\xFF";
const ZIP_LOCAL: &[u8] = b"PK\x03\x04";
const ZIP_CENTRAL: &[u8] = b"PK\x01\x02";
const OLE_COMPOUND: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads what a file is from its first bytes (and, for ZIP containers, from
/// the names of the files inside). Any text is `Text`: only a name can say it
/// is CSV. `None` for anything not accepted, including text a browser would
/// run or render as a page.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(PDF) {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(PNG) {
        Some(FileKind::Png)
    } else if bytes.starts_with(JPEG) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(FileKind::Gif)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(FileKind::Webp)
    } else if bytes.starts_with(ZIP_LOCAL) {
        office_document(bytes)
    } else if is_plain_text(bytes) {
        Some(FileKind::Text)
    } else {
        None
    }
}

/// Text is UTF-8 (a byte order mark is allowed) with no control characters
/// besides tab, line breaks and form feed, and not a web page in disguise.
fn is_plain_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
        && active_content(bytes).is_none()
}

/// Openings that make a browser render or run text as a page or a drawing,
/// whatever it was served as; with what to call them in a refusal.
const ACTIVE_OPENINGS: [(&str, &str); 8] = [
    ("<!doctype", "HTML"),
    ("<html", "HTML"),
    ("<head", "HTML"),
    ("<body", "HTML"),
    ("<script", "HTML"),
    ("<iframe", "HTML"),
    ("<svg", "an SVG drawing"),
    ("<?xml", "XML"),
];

fn active_content(bytes: &[u8]) -> Option<&'static str> {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    ACTIVE_OPENINGS.iter().find_map(|(opening, what)| {
        body.get(..opening.len())
            .filter(|head| head.eq_ignore_ascii_case(opening.as_bytes()))
            .map(|_| *what)
    })
}

/// Names what the bytes are, for a refusal, when they are something a person
/// would recognise. Programs first: a script is also text, but "plain text"
/// would undersell it.
fn describe(bytes: &[u8]) -> Option<&'static str> {
    const PROGRAMS: [&[u8]; 8] = [
        b"\x7FELF",
        b"MZ",
        b"\xFE\xED\xFA\xCE",
        b"\xFE\xED\xFA\xCF",
        b"\xCE\xFA\xED\xFE",
        b"\xCF\xFA\xED\xFE",
        b"\xCA\xFE\xBA\xBE",
        b"#!",
    ];
    if PROGRAMS.iter().any(|magic| bytes.starts_with(magic)) {
        Some("a program")
    } else if let Some(kind) = sniff(bytes) {
        Some(kind.with_article())
    } else if let Some(what) = active_content(bytes) {
        Some(what)
    } else if bytes.starts_with(ZIP_LOCAL) {
        Some("a ZIP archive of other files")
    } else if bytes.starts_with(OLE_COMPOUND) {
        Some("an older Office file (.doc, .xls or .ppt)")
    } else {
        None
    }
}

/// Tells the office formats apart inside their ZIP container. OpenDocument
/// puts an uncompressed `mimetype` file first, naming the kind; Office Open
/// XML has `[Content_Types].xml` and a folder per application. Any other ZIP
/// is refused: its contents could be anything.
fn office_document(bytes: &[u8]) -> Option<FileKind> {
    let mut entries = ZipEntries::new(bytes).peekable();
    if let Some(first) = entries.peek() {
        if first.name == b"mimetype" {
            return match first.stored? {
                b"application/vnd.oasis.opendocument.text" => Some(FileKind::Odt),
                b"application/vnd.oasis.opendocument.spreadsheet" => Some(FileKind::Ods),
                b"application/vnd.oasis.opendocument.presentation" => Some(FileKind::Odp),
                _ => None,
            };
        }
    }
    let mut content_types = false;
    let mut app = None;
    for entry in entries {
        content_types |= entry.name == b"[Content_Types].xml";
        if app.is_none() {
            app = if entry.name.starts_with(b"word/") {
                Some(FileKind::Docx)
            } else if entry.name.starts_with(b"xl/") {
                Some(FileKind::Xlsx)
            } else if entry.name.starts_with(b"ppt/") {
                Some(FileKind::Pptx)
            } else {
                None
            };
        }
        if content_types && app.is_some() {
            return app;
        }
    }
    None
}

struct ZipEntry<'a> {
    name: &'a [u8],
    /// The entry's bytes, when they are stored uncompressed and their size
    /// was given in the local header.
    stored: Option<&'a [u8]>,
}

/// Walks a ZIP file's local headers from the front, without the central
/// directory at the end, so a file cut short still shows what it began with.
/// Stops quietly at anything it does not understand.
struct ZipEntries<'a> {
    bytes: &'a [u8],
    at: Option<usize>,
}

impl<'a> ZipEntries<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: Some(0) }
    }

    fn u16_at(&self, at: usize) -> Option<usize> {
        let b = self.bytes.get(at..at + 2)?;
        Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next local header at or after `from`, stopping at the central
    /// directory, which follows the last entry.
    fn next_header_from(&self, from: usize) -> Option<usize> {
        let rest = self.bytes.get(from..)?;
        let found = rest
            .windows(4)
            .position(|w| w == ZIP_LOCAL || w == ZIP_CENTRAL)?;
        let at = from + found;
        self.bytes[at..].starts_with(ZIP_LOCAL).then_some(at)
    }
}

impl<'a> Iterator for ZipEntries<'a> {
    type Item = ZipEntry<'a>;

    fn next(&mut self) -> Option<ZipEntry<'a>> {
        let at = self.at.take()?;
        if !self.bytes.get(at..)?.starts_with(ZIP_LOCAL) {
            return None;
        }
        // Local file header: signature, version, flags (+6), method (+8),
        // time, date, CRC, compressed size (+18), size, name length (+26),
        // extra length (+28), then the name, the extra field and the data.
        let flags = self.u16_at(at + 6)?;
        let method = self.u16_at(at + 8)?;
        let compressed = self.u32_at(at + 18)?;
        let name_len = self.u16_at(at + 26)?;
        let extra_len = self.u16_at(at + 28)?;
        let name_start = at + 30;
        let name = self.bytes.get(name_start..name_start + name_len)?;
        let data_start = name_start + name_len + extra_len;

        // With a data descriptor (flag bit 3) the sizes come after the data
        // and are zero here; ZIP64 puts them in the extra field. Either way
        // the next entry is found by its signature instead.
        let has_descriptor = flags & 0x08 != 0;
        let sized = !(has_descriptor && compressed == 0) && compressed != u32::MAX;
        let (stored, after) = if sized {
            let end = data_start.checked_add(usize::try_from(compressed).ok()?)?;
            let data = self.bytes.get(data_start..end);
            (data.filter(|_| method == 0), data.map(|_| end))
        } else {
            (None, Some(data_start))
        };
        self.at = after.and_then(|after| {
            if self.bytes.get(after..)?.starts_with(ZIP_LOCAL) {
                Some(after)
            } else if has_descriptor || !sized {
                self.next_header_from(after)
            } else {
                None
            }
        });
        Some(ZipEntry { name, stored })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MB: usize = 1024 * 1024;

    fn local_header(name: &str, method: u16, flags: u16, size: u32) -> Vec<u8> {
        let mut out = ZIP_LOCAL.to_vec();
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 8]); // time, date, CRC (never checked here)
        out.extend_from_slice(&size.to_le_bytes()); // compressed
        out.extend_from_slice(&size.to_le_bytes()); // uncompressed
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(name.as_bytes());
        out
    }

    /// A ZIP of stored entries with their sizes in the local headers, as
    /// OpenDocument writers make them, and a stub central directory.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            out.extend(local_header(name, 0, 0, data.len() as u32));
            out.extend_from_slice(data);
        }
        out.extend_from_slice(ZIP_CENTRAL);
        out.extend_from_slice(&[0; 42]);
        out
    }

    /// A ZIP written as a stream: deflated entries whose sizes follow the
    /// data in a descriptor, as many Office Open XML writers make them.
    fn streamed_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            out.extend(local_header(name, 8, 0x08, 0));
            out.extend_from_slice(data);
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&[0; 4]); // CRC
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(ZIP_CENTRAL);
        out.extend_from_slice(&[0; 42]);
        out
    }

    fn docx() -> Vec<u8> {
        zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document/>"),
        ])
    }

    fn odf(mime: &str) -> Vec<u8> {
        zip(&[
            ("mimetype", mime.as_bytes()),
            ("content.xml", b"<office:document-content/>"),
        ])
    }

    fn pdf() -> Vec<u8> {
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n".to_vec()
    }

    fn refusal(name: &str, bytes: &[u8]) -> String {
        check_upload(name, bytes, 10 * MB).unwrap_err().message
    }

    fn accepted(name: &str, bytes: &[u8]) -> (FileKind, String) {
        let upload = check_upload(name, bytes, 10 * MB).unwrap();
        (upload.kind(), upload.file_name().to_owned())
    }

    #[test]
    fn sniffs_images_and_pdf_by_their_magic_numbers() {
        assert_eq!(sniff(&pdf()), Some(FileKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"GIF87a\x01\0\x01\0"), Some(FileKind::Gif));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(FileKind::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(FileKind::Webp));
        assert_eq!(
            sniff(b"RIFF\x24\0\0\0WAVEfmt "),
            None,
            "a RIFF that is sound"
        );
    }

    #[test]
    fn sniffs_office_open_xml_by_its_folders() {
        assert_eq!(sniff(&docx()), Some(FileKind::Docx));
        let xlsx = zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert_eq!(sniff(&xlsx), Some(FileKind::Xlsx));
        let pptx = zip(&[
            ("ppt/presentation.xml", b"<p:presentation/>"),
            ("[Content_Types].xml", b"<Types/>"),
        ]);
        assert_eq!(sniff(&pptx), Some(FileKind::Pptx));
    }

    #[test]
    fn sniffs_office_open_xml_written_with_data_descriptors() {
        let docx = streamed_zip(&[
            ("[Content_Types].xml", b"\x01\x02deflated"),
            ("word/document.xml", b"\x03\x04deflated"),
        ]);
        assert_eq!(sniff(&docx), Some(FileKind::Docx));
    }

    #[test]
    fn sniffs_open_document_by_its_mimetype_entry() {
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.text")),
            Some(FileKind::Odt)
        );
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.spreadsheet")),
            Some(FileKind::Ods)
        );
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.presentation")),
            Some(FileKind::Odp)
        );
        assert_eq!(
            sniff(&odf("application/vnd.oasis.opendocument.graphics")),
            None
        );
    }

    #[test]
    fn refuses_other_zips_and_cut_or_mangled_headers() {
        assert_eq!(sniff(&zip(&[("payload.exe", b"MZ\x90\0")])), None);
        assert_eq!(
            sniff(&zip(&[("word/document.xml", b"<w:document/>")])),
            None,
            "no [Content_Types].xml"
        );
        assert_eq!(
            sniff(&zip(&[("[Content_Types].xml", b"<Types/>")])),
            None,
            "no application folder"
        );
        let full = docx();
        for cut in 0..full.len() {
            // Whatever a cut leaves, the walk ends without panicking.
            let _ = sniff(&full[..cut]);
        }
        let mut huge_size = local_header("mimetype", 0, 0, u32::MAX - 1);
        huge_size.extend_from_slice(b"application/vnd.oasis.opendocument.text");
        assert_eq!(sniff(&huge_size), None);
    }

    #[test]
    fn text_is_utf8_without_controls() {
        assert_eq!(sniff(b"Ward,Budget\nNorth,1200\n"), Some(FileKind::Text));
        assert_eq!(
            sniff("Caf\u{e9}\tMen\u{fa}\r\n\x0cPage 2".as_bytes()),
            Some(FileKind::Text)
        );
        assert_eq!(sniff(b"\xEF\xBB\xBFWard,Budget\n"), Some(FileKind::Text));
        assert_eq!(sniff(b"Ward\0Budget"), None, "NUL");
        assert_eq!(sniff(b"\x1b[31mred"), None, "escape");
        assert_eq!(sniff("a\u{85}b".as_bytes()), None, "C1 control");
        assert_eq!(sniff(b"Caf\xe9"), None, "Latin-1, not UTF-8");
        assert_eq!(sniff(b"\xFF\xFEW\0a\0r\0d\0"), None, "UTF-16");
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn text_a_browser_would_render_is_not_text() {
        for page in [
            "<!DOCTYPE html><p>hi",
            "<html><body>",
            "  \r\n\t<HTML lang=en>",
            "\u{feff}<script>alert(1)</script>",
            "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            "<?xml version='1.0'?><svg/>",
            "<Body onload=x()>",
            "<iframe src=//evil>",
            "<head><meta http-equiv=refresh>",
        ] {
            assert_eq!(sniff(page.as_bytes()), None, "{page}");
        }
        assert_eq!(
            sniff(b"Notes: <html> is a tag"),
            Some(FileKind::Text),
            "only the opening counts"
        );
    }

    #[test]
    fn every_kind_has_a_mime_type_label_and_its_own_extensions() {
        for kind in FileKind::ALL {
            assert!(!kind.mime().is_empty());
            assert!(!kind.label().is_empty());
            for ext in kind.extensions() {
                assert_eq!(FileKind::from_extension(ext), Some(kind));
                assert_eq!(FileKind::from_extension(&ext.to_uppercase()), Some(kind));
            }
        }
        assert_eq!(FileKind::Jpeg.extensions(), ["jpg", "jpeg"]);
        assert_eq!(FileKind::Text.extensions(), ["txt", "md"]);
        assert_eq!(FileKind::Csv.label(), "CSV spreadsheet");
        assert_eq!(FileKind::from_extension("exe"), None);
    }

    #[test]
    fn accepts_each_kind_under_its_own_name() {
        assert_eq!(
            accepted("budget.pdf", &pdf()),
            (FileKind::Pdf, "budget.pdf".into())
        );
        assert_eq!(
            accepted("Minutes.DOCX", &docx()),
            (FileKind::Docx, "Minutes.DOCX".into())
        );
        assert_eq!(
            accepted("plan.odt", &odf("application/vnd.oasis.opendocument.text")),
            (FileKind::Odt, "plan.odt".into())
        );
        assert_eq!(
            accepted("photo.jpeg", b"\xFF\xD8\xFF\xE1"),
            (FileKind::Jpeg, "photo.jpeg".into())
        );
        assert_eq!(
            accepted("README.md", b"# Allotments\n"),
            (FileKind::Text, "README.md".into())
        );
    }

    #[test]
    fn only_the_name_tells_csv_from_text() {
        let table = b"Ward,Budget\nNorth,1200\n";
        assert_eq!(accepted("budget.csv", table).0, FileKind::Csv);
        assert_eq!(accepted("budget.txt", table).0, FileKind::Text);
        assert_eq!(
            accepted("budget", table),
            (FileKind::Text, "budget.txt".into())
        );
    }

    #[test]
    fn accepts_csv_with_a_byte_order_mark() {
        // Excel's "CSV UTF-8" starts with one.
        let excel = b"\xEF\xBB\xBFWard,Budget\r\nNorth,1200\r\n";
        assert_eq!(
            accepted("Budget.CSV", excel),
            (FileKind::Csv, "Budget.CSV".into())
        );
    }

    #[test]
    fn refuses_an_empty_file() {
        assert_eq!(refusal("budget.pdf", b""), "The selected file is empty");
        assert_eq!(
            check_upload("budget.pdf", b"", 10).unwrap_err().field,
            "file"
        );
    }

    #[test]
    fn refuses_a_file_too_big_naming_the_limit() {
        let err = check_upload("budget.pdf", &pdf(), 20).unwrap_err();
        assert_eq!(err.field, "file");
        assert_eq!(
            err.message,
            "The selected file must be smaller than 20 bytes"
        );
        assert!(check_upload("budget.pdf", &pdf(), pdf().len()).is_ok());
        assert_eq!(human_size(10 * MB), "10 MB");
        assert_eq!(human_size(MB + MB / 2), "1.5 MB");
        assert_eq!(human_size(10 * MB - 1), "9.9 MB");
        assert_eq!(human_size(512 * 1024), "512 KB");
        assert_eq!(human_size(2 << 30), "2 GB");
        assert_eq!(human_size(100), "100 bytes");
    }

    #[test]
    fn refuses_content_of_no_accepted_kind() {
        for (name, bytes) in [
            ("data.bin", &b"\x00\x01\x02\x03"[..]),
            ("page.html", b"<!doctype html><p>hi"),
            ("archive.zip", &zip(&[("a.txt", b"a")])),
        ] {
            assert_eq!(
                refusal(name, bytes),
                "The selected file must be a PDF, image, spreadsheet, document or plain text file",
                "{name}"
            );
        }
    }

    #[test]
    fn refuses_older_office_files_saying_how_to_convert_them() {
        let doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
        assert_eq!(
            refusal("minutes.doc", doc),
            "‘minutes.doc’ is in an older Office format. Open it, save it as .docx, .xlsx, \
             .pptx or PDF, and upload that instead"
        );
        assert_eq!(
            refusal("minutes.docx", doc),
            "‘minutes.docx’ is not really a Word document: its contents are an older Office \
             file (.doc, .xls or .ppt). Upload the file itself, saved as a Word document (.docx)"
        );
    }

    #[test]
    fn refuses_html_disguised_as_pdf() {
        assert_eq!(
            refusal(
                "budget.pdf",
                b"<!DOCTYPE html>\n<html><body>Budget</body></html>"
            ),
            "‘budget.pdf’ is not really a PDF document: its contents are HTML. Upload the file \
             itself, saved as PDF"
        );
    }

    #[test]
    fn refuses_programs_disguised_as_photos() {
        let expected = "‘photo.jpg’ is not really a JPEG image: its contents are a program. \
                        Upload the file itself, saved as JPEG";
        for program in [
            &b"\x7FELF\x02\x01\x01\0\0\0"[..],
            b"MZ\x90\0\x03\0\0\0\x04\0",
            b"\xCF\xFA\xED\xFE\x07\0\0\x01",
            b"#!/bin/sh\nrm -rf ~\n",
        ] {
            assert_eq!(refusal("photo.jpg", program), expected);
        }
    }

    #[test]
    fn refuses_a_zip_of_anything_named_docx() {
        let fake = zip(&[("invoice.exe", b"MZ\x90\0")]);
        assert_eq!(
            refusal("invoice.docx", &fake),
            "‘invoice.docx’ is not really a Word document: its contents are a ZIP archive of \
             other files. Upload the file itself, saved as a Word document (.docx)"
        );
    }

    #[test]
    fn refuses_a_known_kind_under_another_kinds_name() {
        assert_eq!(
            refusal("report.png", &pdf()),
            "‘report.png’ is not really a PNG image: its contents are a PDF document. Upload \
             the file itself, saved as PNG"
        );
        assert_eq!(
            refusal("report.pdf", b"Just some notes\n"),
            "‘report.pdf’ is not really a PDF document: its contents are plain text. Upload \
             the file itself, saved as PDF"
        );
        assert_eq!(
            refusal("report.xlsx", &docx()),
            "‘report.xlsx’ is not really an Excel spreadsheet: its contents are a Word \
             document. Upload the file itself, saved as an Excel workbook (.xlsx)"
        );
        assert_eq!(
            refusal("report.pdf", b"\x00\x01garbage"),
            "‘report.pdf’ is not really a PDF document, or it is damaged. Upload the file \
             itself, saved as PDF"
        );
    }

    #[test]
    fn corrects_the_ending_of_an_image_saved_as_another_image_kind() {
        assert_eq!(
            accepted("Photo.JPG", b"RIFF\x24\0\0\0WEBPVP8 "),
            (FileKind::Webp, "Photo.webp".into())
        );
    }

    #[test]
    fn adds_an_ending_to_a_name_without_one_we_know() {
        assert_eq!(
            accepted("budget", &pdf()),
            (FileKind::Pdf, "budget.pdf".into())
        );
        assert_eq!(
            accepted("Minutes 12.03.2024", &pdf()).1,
            "Minutes 12.03.2024.pdf"
        );
        assert_eq!(accepted("scan.pdf.exe", &pdf()).1, "scan.pdf.exe.pdf");
        assert_eq!(accepted("page.html", b"plain words").1, "page.html.txt");
    }

    #[test]
    fn strips_folders_and_hidden_characters_from_names() {
        assert_eq!(
            accepted("../../etc/passwd", b"root:x:0:0\n").1,
            "passwd.txt"
        );
        assert_eq!(
            accepted("C:\\Users\\sam\\Desktop\\budget.pdf", &pdf()).1,
            "budget.pdf"
        );
        assert_eq!(accepted("  bud\nget\0.pdf  ", &pdf()).1, "budget.pdf");
        assert_eq!(
            accepted("photo\u{202E}gpj.exe", b"\xFF\xD8\xFF").1,
            "photogpj.exe.jpg"
        );
        assert_eq!(accepted("..", &pdf()).1, "upload.pdf");
        assert_eq!(accepted("", &pdf()).1, "upload.pdf");
        assert_eq!(accepted("dir/", &pdf()).1, "upload.pdf");
        assert_eq!(accepted(".pdf", &pdf()).1, "pdf.pdf");
        assert_eq!(accepted("report .pdf", &pdf()).1, "report.pdf");
    }

    #[test]
    fn shortens_long_names_keeping_the_ending() {
        let long = format!("{}.csv", "é".repeat(300));
        let (kind, name) = accepted(&long, b"a,b\n");
        assert_eq!(kind, FileKind::Csv, "the ending still decides");
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("é.csv"));
        assert!(refusal(&long.replace(".csv", ".pdf"), b"a,b\n").contains("é.pdf’"));
        let no_ending = "x".repeat(300);
        let name = accepted(&no_ending, &pdf()).1;
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("x.pdf"));
    }

    proptest! {
        #[test]
        fn any_bytes_and_name_give_a_safe_name_or_a_refusal(
            name in ".{0,300}",
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            match check_upload(&name, &bytes, 10 * MB) {
                Ok(upload) => {
                    let shown = upload.file_name();
                    prop_assert!(!shown.is_empty());
                    prop_assert!(shown.chars().count() <= MAX_NAME_CHARS);
                    prop_assert!(!shown.contains(['/', '\\']));
                    prop_assert!(!shown.starts_with('.'));
                    prop_assert!(!shown.chars().any(|c| c.is_control() || is_bidi_control(c)));
                    let ext = shown.rsplit_once('.').map(|(_, ext)| ext).unwrap_or_default();
                    prop_assert_eq!(FileKind::from_extension(ext), Some(upload.kind()));
                }
                Err(err) => prop_assert_eq!(err.field, "file"),
            }
        }

        #[test]
        fn any_text_gets_through_when_it_does_not_open_like_a_page(
            text in "[a-zA-Z0-9 ,.\n\t£é]{1,200}",
        ) {
            prop_assert_eq!(sniff(text.as_bytes()), Some(FileKind::Text));
        }
    }
}
