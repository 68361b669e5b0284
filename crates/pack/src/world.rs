//! The closed world the pack template is compiled in: one source file, one
//! data file, embedded fonts, no clock, no disk and no network.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Feature, Features, Library, LibraryExt, World};

use crate::PackError;

const TEMPLATE: &str = include_str!("template.typ");

/// Where the template finds the document; it must match the path passed to
/// `json(..)` in `template.typ`.
const DATA_PATH: &str = "/pack.json";
const MAIN_PATH: &str = "/pack.typ";

/// Everything that is the same for every render. Parsing the fonts and
/// building the standard library take far longer than typesetting a short
/// pack, so they are done once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    data: FileId,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();

fn shared() -> Result<&'static Shared, PackError> {
    SHARED
        .get_or_init(Shared::load)
        .as_ref()
        .map_err(|reason| PackError::Setup(reason.clone()))
}

impl Shared {
    fn load() -> Result<Self, String> {
        let fonts: Vec<Font> = typst_assets::fonts()
            // Noto Sans is the only proportional sans we can embed from
            // crates.io; headings use it, body text stays in Libertinus.
            .chain([notosans::REGULAR_TTF, notosans::BOLD_TTF])
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        for family in [crate::BODY_FONT, crate::HEADING_FONT] {
            if !fonts
                .iter()
                .any(|f| f.info().family.eq_ignore_ascii_case(family))
            {
                return Err(format!(
                    "the embedded font {family} is missing; \
                     build coproduce-pack with typst-assets' \"fonts\" feature"
                ));
            }
        }
        let book = FontBook::from_fonts(&fonts);

        // a11y-extras gives the template `pdf.header-cell`, which marks the
        // terms of a facts list as row headers for screen readers.
        let library = Library::builder()
            .with_features(Features::from_iter([Feature::A11yExtras]))
            .build();

        let main = Source::new(file_id(MAIN_PATH)?, TEMPLATE.to_owned());
        let data = file_id(DATA_PATH)?;
        Ok(Self {
            library: LazyHash::new(library),
            book: LazyHash::new(book),
            fonts,
            main,
            data,
        })
    }
}

fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("bad virtual path {path}: {e:?}"))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// One render: the shared parts plus this document's JSON.
pub(crate) struct PackWorld {
    shared: &'static Shared,
    data: Bytes,
}

impl PackWorld {
    pub(crate) fn new(json: Vec<u8>) -> Result<Self, PackError> {
        Ok(Self {
            shared: shared()?,
            data: Bytes::new(json),
        })
    }

    fn not_found(id: FileId) -> FileError {
        FileError::NotFound(id.vpath().get_with_slash().into())
    }
}

impl World for PackWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.shared.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.shared.main.id() {
            Ok(self.shared.main.clone())
        } else if id == self.shared.data {
            Err(FileError::NotSource)
        } else {
            Err(Self::not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.data {
            Ok(self.data.clone())
        } else if id == self.shared.main.id() {
            Ok(Bytes::from_string(self.shared.main.clone()))
        } else {
            // Package imports land here too: there is no package registry to
            // reach, and the template must not need one.
            Err(Self::not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    // Packs carry their own date in the footer text; reading the clock here
    // would make the same document typeset differently from day to day.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
