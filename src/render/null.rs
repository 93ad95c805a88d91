//! A drawing backend that discards what it is given and counts it: for tests and fuzzing of the
//! drawing code (that any finite input draws, and draws without hanging), without a canvas,
//! a file or fonts; or, recording, that keeps where each text went, measured with the
//! registered fonts (for tests of where labels go).

use plotters::prelude::DrawingBackend;
use plotters_backend::{
    text_anchor::HPos, BackendColor, BackendCoord, BackendStyle, BackendTextStyle,
    DrawingErrorKind, FontTransform,
};
use std::cell::RefCell;
use std::rc::Rc;

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

/// An upright text as drawn: the string and its left and right edges in pixels.
pub type TextBox = (String, f64, f64);

/// A backend of a given size that draws nothing.
#[derive(Clone, Debug)]
pub struct NullBackend {
    size: (u32, u32),
    pub counts: Counts,
    /// Where upright texts are recorded, measured with the registered fonts (`None`: nowhere,
    /// and text is measured at 0.6 em a character).
    texts: Option<Rc<RefCell<Vec<TextBox>>>>,
}

impl NullBackend {
    pub fn new(width: u32, height: u32) -> NullBackend {
        NullBackend {
            size: (width, height),
            counts: Counts::default(),
            texts: None,
        }
    }

    /// One that measures text with the registered fonts, as the bitmap and SVG backends do,
    /// and records each upright text's box in `texts`.
    pub fn recording(width: u32, height: u32, texts: Rc<RefCell<Vec<TextBox>>>) -> NullBackend {
        NullBackend {
            texts: Some(texts),
            ..NullBackend::new(width, height)
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
    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, at: BackendCoord) -> R {
        self.counts.texts += 1;
        if let Some(texts) = &self.texts {
            if matches!(style.transform(), FontTransform::None) {
                let w = f64::from(self.estimate_text_size(text, style)?.0);
                let x = f64::from(at.0);
                let left = match style.anchor().h_pos {
                    HPos::Left => x,
                    HPos::Center => x - w / 2.0,
                    HPos::Right => x - w,
                };
                texts.borrow_mut().push((text.to_string(), left, left + w));
            }
        }
        Ok(())
    }
    /// With the registered fonts when recording, else about 0.6 em per character (no font is
    /// needed).
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Never>> {
        if self.texts.is_some() {
            let ((x0, y0), (x1, y1)) = style
                .layout_box(text)
                .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
            return Ok(((x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32));
        }
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
