//! What stops a read: the input as a whole is unusable (a file missing or unreadable, a
//! header without a required column). A bad *row* never stops a read: it is counted in
//! the [`ImportReport`](crate::ImportReport) by table and rule.

use std::path::PathBuf;

/// Why a read could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A required file is not there.
    #[error("{}: no such file (the {what} of a history)", path.display())]
    MissingFile {
        /// Where it was looked for.
        path: PathBuf,
        /// What it should hold.
        what: &'static str,
    },
    /// A table an export must have is not in its directory.
    #[error("{}: no {table} table ({looked_for}) in this {export} export", dir.display())]
    MissingTable {
        /// The export's directory.
        dir: PathBuf,
        /// The table.
        table: &'static str,
        /// The file names looked for.
        looked_for: String,
        /// The export's kind.
        export: &'static str,
    },
    /// A file has no header row.
    #[error("{}: empty file: no header row", path.display())]
    NoHeader {
        /// The file.
        path: PathBuf,
    },
    /// The header row lacks a column the format requires.
    #[error("{}, line 1: no column {column:?} in the header (columns: {found})", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// The header as read.
        found: String,
    },
    /// The header row is longer than a row may be.
    #[error("{}, line 1: header longer than {limit} bytes", path.display())]
    HeaderTooLong {
        /// The file.
        path: PathBuf,
        /// The row limit.
        limit: usize,
    },
    /// Two names interned to the same 64-bit id (odds about n² / 2⁶⁵ among n names).
    #[error("{kind} names {first:?} and {second:?} share the id {id}: rename one")]
    NameCollision {
        /// What is named (team, queue).
        kind: &'static str,
        /// The id.
        id: u64,
        /// One name.
        first: String,
        /// The other.
        second: String,
    },
    /// A Parquet file could not be read or written.
    #[error("{}: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What the Parquet or Arrow reader said.
        message: String,
    },
    /// An XML file is not well formed, or not an XES log, or holds an element longer than
    /// the row limit.
    #[error("{}, byte {offset}: {message}", path.display())]
    Xml {
        /// The file.
        path: PathBuf,
        /// Where in the (decompressed) file.
        offset: u64,
        /// What the XML reader said.
        message: String,
    },
    /// A mapping (an XES mapping file) is malformed.
    #[error("mapping: {0}")]
    Mapping(String),
    /// An SLA policies spec is malformed.
    #[error("sla: {0}")]
    Sla(String),
    /// A business-calendar spec is malformed.
    #[error("calendar: {0}")]
    Calendar(String),
    /// A worker thread stopped unexpectedly (a bug: please report it).
    #[error("a reader thread stopped: {0}")]
    Worker(String),
    /// The crate refused a configuration.
    #[error(transparent)]
    Metrics(#[from] csm_metrics::Error),
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
