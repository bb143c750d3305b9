//! The typst `World` of one plan: our template as the only source, the plan's data as the only
//! file (`/data.json`), and the fonts compiled into the binary. Nothing is read from the machine
//! or the network; a package import (`@preview/…`) finds nothing.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The layout of a plan, in typst markup. It reads everything it shows from `/data.json`.
const TEMPLATE: &str = include_str!("plan.typ");

/// The standard library and the fonts, built once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        // The Libertinus Serif family typst ships: an open font licensed for embedding.
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .filter(|font| font.info().family.starts_with("Libertinus Serif"))
            .collect();
        Shared { library: LazyHash::new(Library::default()), book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

/// The first character of `text` no embedded font has a glyph for. Spaces and the zero-width
/// joiners are laid out without glyphs of their own.
pub(crate) fn unshowable(text: &str) -> Option<char> {
    let fonts = &shared().fonts;
    let drawn = |c: char| fonts.iter().any(|font| font.info().coverage.contains(u32::from(c)));
    text.chars().find(|&c| !(c.is_whitespace() || c == '\u{200C}' || c == '\u{200D}' || drawn(c)))
}

fn file_id(path: &str) -> FileId {
    // Both paths are constants that are valid virtual paths.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("{path} is a valid virtual path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

pub(crate) struct PlanWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl PlanWorld {
    pub(crate) fn new(data_json: Vec<u8>) -> Self {
        Self {
            main: Source::new(file_id("/main.typ"), TEMPLATE.to_owned()),
            data_id: file_id("/data.json"),
            data: Bytes::new(data_json),
        }
    }
}

impl World for PlanWorld {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    /// No clock: a plan's document depends on the plan alone.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
