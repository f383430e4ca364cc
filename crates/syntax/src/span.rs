//! Byte ranges into one source file.

use std::ops::Range;

/// A half-open byte range `start..end` into one source file.
///
/// Offsets are `u32`: proxylint reads configuration files, and the loader refuses files of
/// 4 GiB or more, so every offset fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset`, for "something is missing here" errors.
    pub const fn empty(offset: u32) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    pub fn from_range(range: Range<usize>) -> Self {
        Span::new(range.start as u32, range.end as u32)
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub const fn len(self) -> u32 {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }
}
