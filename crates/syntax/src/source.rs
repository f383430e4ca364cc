//! Source files as raw bytes, and the line/column arithmetic done at render time.

use std::path::{Path, PathBuf};

use crate::Span;

/// Identifies one file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// One configuration file: the path as the user should see it, and its bytes.
///
/// The text is kept as bytes because configuration files are not always UTF-8, and no
/// offset may shift because of a byte that is not.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Vec<u8>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Vec<u8>>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    pub fn slice(&self, span: Span) -> &[u8] {
        let end = (span.end as usize).min(self.text.len());
        let start = (span.start as usize).min(end);
        &self.text[start..end]
    }

    /// The text of `span`, with invalid UTF-8 replaced.
    pub fn text_of(&self, span: Span) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.slice(span))
    }
}

/// All files read in one run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.get(id).path
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

/// A 1-based line and column. Columns count Unicode scalar values; each byte that is not
/// part of valid UTF-8 counts as one column, and so does a tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of one file. LF, CRLF and a lone CR each end a line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\n' => line_starts.push(i as u32 + 1),
                b'\r' if text.get(i + 1) == Some(&b'\n') => {
                    line_starts.push(i as u32 + 2);
                    i += 1;
                }
                b'\r' => line_starts.push(i as u32 + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { line_starts }
    }

    /// Line and column of a byte offset; an offset past the end is clamped to the end.
    pub fn line_col(&self, text: &[u8], offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let column = count_chars(&text[start..offset as usize]) + 1;
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }
}

/// Counts Unicode scalar values, each invalid byte counting as one.
fn count_chars(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(text: &[u8], offset: u32) -> (u32, u32) {
        let at = LineIndex::new(text).line_col(text, offset);
        (at.line, at.column)
    }

    #[test]
    fn line_ends_lf_crlf_and_lone_cr() {
        let text = b"a\nb\r\nc\rd";
        assert_eq!(lc(text, 0), (1, 1));
        assert_eq!(lc(text, 2), (2, 1));
        assert_eq!(lc(text, 5), (3, 1));
        assert_eq!(lc(text, 7), (4, 1));
    }

    #[test]
    fn columns_count_characters_and_invalid_bytes() {
        let text = "é\tx".as_bytes();
        assert_eq!(lc(text, 3), (1, 3));
        let bad = b"\xff\xfe x";
        assert_eq!(lc(bad, 3), (1, 4));
    }

    #[test]
    fn offset_past_end_is_clamped() {
        assert_eq!(lc(b"ab", 10), (1, 3));
    }
}
