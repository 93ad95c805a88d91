//! The replay as an animated GIF where the browser has no MediaRecorder: JavaScript hands over
//! the map's pixels each frame (`getImageData`), the engine encodes them
//! ([`crate::playground::gif`]).

use crate::playground::gif::GifRecording;
use crate::render::map::parse_hex;
use wasm_bindgen::prelude::*;

/// An animated GIF being recorded.
#[wasm_bindgen]
pub struct GifRecorder(Option<GifRecording>);

#[wasm_bindgen]
impl GifRecorder {
    /// A recording of `width` × `height` frames in which the colours `exact` (the runs', as
    /// `#rrggbb`) keep their value.
    #[wasm_bindgen(constructor)]
    pub fn new(width: u32, height: u32, exact: Vec<String>) -> Result<GifRecorder, JsError> {
        let exact: Vec<[u8; 3]> = exact
            .iter()
            .map(|c| {
                let c = parse_hex(c);
                [c.0, c.1, c.2]
            })
            .collect();
        GifRecording::new(width, height, &exact)
            .map(|r| GifRecorder(Some(r)))
            .map_err(|e| JsError::new(&e))
    }

    /// Adds a frame (an ImageData's `data`) shown for `delay` hundredths of a second.
    pub fn push(&mut self, rgba: &[u8], delay: u16) -> Result<(), JsError> {
        match self.0.as_mut() {
            Some(r) => r.push(rgba, delay).map_err(|e| JsError::new(&e)),
            None => Err(JsError::new("the recording is finished")),
        }
    }

    /// The frames that changed something, so far.
    pub fn frames(&self) -> u32 {
        self.0.as_ref().map_or(0, GifRecording::frames)
    }

    /// The GIF file (the recorder cannot be used after).
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        match self.0.take() {
            Some(r) => r.finish().map_err(|e| JsError::new(&e)),
            None => Err(JsError::new("the recording is finished")),
        }
    }
}
