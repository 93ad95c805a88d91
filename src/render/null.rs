//! A drawing backend that discards what it is given and counts it: for tests and fuzzing of the
//! drawing code (that any finite input draws, and draws without hanging), without a canvas,
//! a file or fonts.

use plotters::prelude::DrawingBackend;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// Counts of what was drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pixels: u64,
    pub lines: u64,
    pub rects: u64,
    pub paths: u64,
    /// Points of every path.
    pub points: u64,
    pub circles: u64,
    pub polygons: u64,
    pub texts: u64,
    pub bitmaps: u64,
}

/// A backend of a given size that draws nothing.
#[derive(Clone, Debug)]
pub struct NullBackend {
    size: (u32, u32),
    pub counts: Counts,
}

impl NullBackend {
    pub fn new(width: u32, height: u32) -> NullBackend {
        NullBackend {
            size: (width, height),
            counts: Counts::default(),
        }
    }
}

/// The error of a backend that cannot fail.
#[derive(Debug)]
pub struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

type R = Result<(), DrawingErrorKind<Never>>;

impl DrawingBackend for NullBackend {
    type ErrorType = Never;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> R {
        Ok(())
    }
    fn present(&mut self) -> R {
        Ok(())
    }
    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> R {
        self.counts.pixels += 1;
        Ok(())
    }
    fn draw_line<S: BackendStyle>(&mut self, _: BackendCoord, _: BackendCoord, _: &S) -> R {
        self.counts.lines += 1;
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
        _: bool,
    ) -> R {
        self.counts.rects += 1;
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        _: &S,
    ) -> R {
        self.counts.paths += 1;
        self.counts.points += path.into_iter().count() as u64;
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(&mut self, _: BackendCoord, _: u32, _: &S, _: bool) -> R {
        self.counts.circles += 1;
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        _: &S,
    ) -> R {
        self.counts.polygons += 1;
        self.counts.points += vert.into_iter().count() as u64;
        Ok(())
    }
    fn draw_text<T: BackendTextStyle>(&mut self, _: &str, _: &T, _: BackendCoord) -> R {
        self.counts.texts += 1;
        Ok(())
    }
    /// About 0.6 em per character: no font is needed.
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Never>> {
        let em = style.size().max(0.0);
        Ok((
            (0.6 * em * text.chars().count() as f64) as u32,
            (1.2 * em) as u32,
        ))
    }
    fn blit_bitmap(&mut self, _: BackendCoord, _: (u32, u32), _: &[u8]) -> R {
        self.counts.bitmaps += 1;
        Ok(())
    }
}
