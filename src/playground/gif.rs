//! The playback as an animated GIF, for browsers that cannot record video (no MediaRecorder).
//!
//! Frames arrive as RGBA pixels of the map as shown. One palette serves the whole recording:
//! the runs' colours exactly, then the colours most frequent in the first frame (counted to
//! five bits a channel, each entry the mean of the pixels it stands for), then 27 coarse ones
//! for colours that frame did not show, and a table of the
//! nearest entry for every five-bit colour maps a pixel to its index at the cost of a lookup.
//! Only the rectangle that changed since the previous frame is stored; a frame that changed
//! nothing lengthens the one before. The container and its LZW compression come from the `gif`
//! crate.

use gif::{DisposalMethod, Encoder, Frame, Repeat};
use std::borrow::Cow;

/// Five bits a channel: the colour's cell in the 32×32×32 table.
#[inline]
fn cell(r: u8, g: u8, b: u8) -> usize {
    (usize::from(r >> 3) << 10) | (usize::from(g >> 3) << 5) | usize::from(b >> 3)
}

/// A frame written once the next one shows how long it stays.
struct Pending {
    left: u16,
    top: u16,
    width: u16,
    height: u16,
    indices: Vec<u8>,
    delay: u16,
}

/// An animated GIF being recorded.
pub struct GifRecording {
    width: u16,
    height: u16,
    /// The colours that must keep their exact value (the runs').
    exact: Vec<[u8; 3]>,
    /// Once the first frame chose the palette: the encoder and, per five-bit colour, its index.
    encoder: Option<(Encoder<Vec<u8>>, Vec<u8>)>,
    /// The previous frame's indices, whole.
    last: Vec<u8>,
    pending: Option<Pending>,
    frames: u32,
}

impl std::fmt::Debug for GifRecording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GifRecording({}×{}, {} frames)",
            self.width, self.height, self.frames
        )
    }
}

impl GifRecording {
    /// A recording of `width` × `height` frames (1 to 65535 pixels each way) in which the
    /// colours `exact` (at most 64) keep their value.
    pub fn new(width: u32, height: u32, exact: &[[u8; 3]]) -> Result<GifRecording, String> {
        let side = |v: u32, what: &str| {
            u16::try_from(v)
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("{what}: must be 1 to 65535 pixels, not {v}"))
        };
        let mut colours: Vec<[u8; 3]> = Vec::new();
        for &c in exact.iter().take(64) {
            if !colours.contains(&c) {
                colours.push(c);
            }
        }
        Ok(GifRecording {
            width: side(width, "width")?,
            height: side(height, "height")?,
            exact: colours,
            encoder: None,
            last: Vec::new(),
            pending: None,
            frames: 0,
        })
    }

    /// The frames that changed something, so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// Adds a frame of RGBA pixels (row by row, `4 · width · height` bytes) shown for `delay`
    /// hundredths of a second.
    pub fn push(&mut self, rgba: &[u8], delay: u16) -> Result<(), String> {
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        if rgba.len() != 4 * w * h {
            return Err(format!(
                "a frame of {w}×{h} pixels has {} bytes, not {}",
                4 * w * h,
                rgba.len()
            ));
        }
        if self.encoder.is_none() {
            let (palette, table) = palette_for(rgba, &self.exact);
            let mut enc = Encoder::new(Vec::new(), self.width, self.height, &palette)
                .map_err(|e| e.to_string())?;
            enc.set_repeat(Repeat::Infinite)
                .map_err(|e| e.to_string())?;
            self.encoder = Some((enc, table));
        }
        let Some((_, table)) = self.encoder.as_ref() else {
            return Ok(());
        };
        let indices: Vec<u8> = rgba
            .chunks_exact(4)
            .map(|p| table[cell(p[0], p[1], p[2])])
            .collect();
        let changed = if self.last.is_empty() {
            Some((0, 0, w - 1, h - 1))
        } else {
            changed_rect(&self.last, &indices, w)
        };
        match changed {
            None => {
                if let Some(p) = self.pending.as_mut() {
                    p.delay = p.delay.saturating_add(delay);
                }
            }
            Some((x0, y0, x1, y1)) => {
                self.flush()?;
                let mut sub = Vec::with_capacity((x1 - x0 + 1) * (y1 - y0 + 1));
                for row in indices[y0 * w..(y1 + 1) * w].chunks_exact(w) {
                    sub.extend_from_slice(&row[x0..=x1]);
                }
                // The rectangle lies inside the frame, whose sides fit in u16.
                let px = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
                self.pending = Some(Pending {
                    left: px(x0),
                    top: px(y0),
                    width: px(x1 - x0 + 1),
                    height: px(y1 - y0 + 1),
                    indices: sub,
                    delay,
                });
                self.frames += 1;
                self.last = indices;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        let (Some(p), Some((enc, _))) = (self.pending.take(), self.encoder.as_mut()) else {
            return Ok(());
        };
        let frame = Frame {
            delay: p.delay,
            dispose: DisposalMethod::Keep,
            left: p.left,
            top: p.top,
            width: p.width,
            height: p.height,
            buffer: Cow::Owned(p.indices),
            ..Frame::default()
        };
        enc.write_frame(&frame).map_err(|e| e.to_string())
    }

    /// The GIF file; an error if no frame was added.
    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        self.flush()?;
        match self.encoder.take() {
            Some((enc, _)) => enc.into_inner().map_err(|e| e.to_string()),
            None => Err("nothing was recorded".into()),
        }
    }
}

/// The smallest rectangle `(x0, y0, x1, y1)` (inclusive) holding every pixel where `a` and `b`
/// differ, rows `w` wide; `None` if they are equal.
fn changed_rect(a: &[u8], b: &[u8], w: usize) -> Option<(usize, usize, usize, usize)> {
    let mut rect: Option<(usize, usize, usize, usize)> = None;
    for (y, (ra, rb)) in a.chunks_exact(w).zip(b.chunks_exact(w)).enumerate() {
        let Some(first) = ra.iter().zip(rb).position(|(p, q)| p != q) else {
            continue;
        };
        let last = w
            - 1
            - ra.iter()
                .zip(rb)
                .rev()
                .position(|(p, q)| p != q)
                .unwrap_or(0);
        rect = Some(match rect {
            None => (first, y, last, y),
            Some((x0, y0, x1, _)) => (x0.min(first), y0, x1.max(last), y),
        });
    }
    rect
}

/// Coarse colours kept in every palette, for what the first frame did not show: 0, 128 and
/// 255 in each channel.
const CUBE: [[u8; 3]; 27] = {
    let mut c = [[0u8; 3]; 27];
    let mut i = 0;
    while i < 27 {
        const LEVEL: [u8; 3] = [0, 128, 255];
        c[i] = [LEVEL[i / 9], LEVEL[i / 3 % 3], LEVEL[i % 3]];
        i += 1;
    }
    c
};

/// The palette (256 RGB triples, flat) for frames like `rgba`, and for each five-bit colour
/// the index of its nearest entry.
fn palette_for(rgba: &[u8], exact: &[[u8; 3]]) -> (Vec<u8>, Vec<u8>) {
    let mut count = vec![0u32; 1 << 15];
    let mut sum = vec![[0u64; 3]; 1 << 15];
    for p in rgba.chunks_exact(4) {
        let c = cell(p[0], p[1], p[2]);
        count[c] += 1;
        for k in 0..3 {
            sum[c][k] += u64::from(p[k]);
        }
    }
    let mut cells: Vec<usize> = (0..1 << 15).filter(|&c| count[c] > 0).collect();
    cells.sort_by(|&a, &b| count[b].cmp(&count[a]).then(a.cmp(&b)));
    let mut colours: Vec<[u8; 3]> = exact.to_vec();
    let mut own: Vec<(usize, u8)> = Vec::new();
    for &c in &cells {
        if colours.len() == 256 - CUBE.len() {
            break;
        }
        let n = u64::from(count[c]);
        // A mean of bytes is a byte.
        let mean = sum[c].map(|s| u8::try_from((s + n / 2) / n).unwrap_or(u8::MAX));
        if let Some(i) = colours.iter().position(|&k| k == mean) {
            own.push((c, i as u8));
        } else {
            own.push((c, colours.len() as u8));
            colours.push(mean);
        }
    }
    for k in CUBE {
        if !colours.contains(&k) {
            colours.push(k);
        }
    }
    let dist = |a: [u8; 3], b: [i32; 3]| -> i32 {
        (0..3)
            .map(|k| {
                let d = i32::from(a[k]) - b[k];
                d * d
            })
            .sum()
    };
    let mut table: Vec<u8> = (0..1usize << 15)
        .map(|c| {
            let centre = [
                ((c >> 10) as i32) * 8 + 4,
                (((c >> 5) & 31) as i32) * 8 + 4,
                ((c & 31) as i32) * 8 + 4,
            ];
            (0..colours.len())
                .min_by_key(|&i| dist(colours[i], centre))
                .unwrap_or(0) as u8
        })
        .collect();
    // A frequent colour maps to its own entry, an exact one to itself.
    for (c, i) in own {
        table[c] = i;
    }
    for (i, k) in exact.iter().enumerate() {
        table[cell(k[0], k[1], k[2])] = i as u8;
    }
    let mut flat: Vec<u8> = colours.iter().flatten().copied().collect();
    flat.resize(3 * 256, 0);
    (flat, table)
}
