//! The replay as an animated GIF (`playground::gif`), where a browser cannot record video:
//! decoded again by the `gif` crate's decoder and composited as a viewer would, every frame
//! shows what was recorded — the runs' colours exactly, a smooth colour map within the
//! palette's reach — only the changed rectangle is stored, and a frame that changed nothing
//! lengthens the one before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::playground::gif::GifRecording;

const W: usize = 120;
const H: usize = 80;
const RUN: [u8; 3] = [0xe6, 0x39, 0x46];
const OTHER: [u8; 3] = [0x00, 0xa6, 0xfb];

/// A smooth colour map (viridis-like ramp across, shade down) with the first `k` points of a
/// diagonal path drawn in the run's colour and a marker in the other run's.
fn frame(k: usize) -> Vec<u8> {
    let mut px = Vec::with_capacity(4 * W * H);
    for y in 0..H {
        for x in 0..W {
            let t = x as f64 / (W - 1) as f64;
            let s = 0.6 + 0.4 * y as f64 / (H - 1) as f64;
            let c = [
                (s * (68.0 + 185.0 * t * t)) as u8,
                (s * (1.0 + 230.0 * t)) as u8,
                (s * (84.0 + 60.0 * (1.0 - t))) as u8,
            ];
            px.extend_from_slice(&c);
            px.push(255);
        }
    }
    let mut put = |x: usize, y: usize, c: [u8; 3]| {
        let i = 4 * (y * W + x);
        px[i..i + 3].copy_from_slice(&c);
    };
    for i in 0..k {
        put(10 + i, 10 + i / 2, RUN);
    }
    put(100, 70, OTHER);
    px
}

/// A frame as a viewer shows it, its delay and the rectangle it stored.
type Shown = (Vec<u8>, u16, (u16, u16, u16, u16));

/// The frames as a viewer shows them (every frame kept: disposal "keep"), with their delays.
fn decode(bytes: &[u8]) -> Vec<Shown> {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts.read_info(bytes).unwrap();
    assert_eq!((d.width() as usize, d.height() as usize), (W, H));
    let mut canvas = vec![0u8; 4 * W * H];
    let mut out = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        assert_eq!(f.dispose, gif::DisposalMethod::Keep);
        let (l, t, w) = (f.left as usize, f.top as usize, f.width as usize);
        for (r, row) in f.buffer.chunks_exact(4 * w).enumerate() {
            let at = 4 * ((t + r) * W + l);
            canvas[at..at + 4 * w].copy_from_slice(row);
        }
        out.push((canvas.clone(), f.delay, (f.left, f.top, f.width, f.height)));
    }
    out
}

fn max_error(a: &[u8], b: &[u8]) -> u8 {
    a.iter().zip(b).map(|(p, q)| p.abs_diff(*q)).max().unwrap()
}

#[test]
fn a_recording_decodes_to_its_frames_with_the_runs_colours_exact() {
    let mut rec = GifRecording::new(W as u32, H as u32, &[RUN, OTHER]).unwrap();
    let ks = [0, 5, 5, 5, 20, 40];
    for &k in &ks {
        rec.push(&frame(k), 4).unwrap();
    }
    assert_eq!(rec.frames(), 4, "three equal frames are one");
    let bytes = rec.finish().unwrap();
    assert_eq!(&bytes[..6], b"GIF89a");
    let frames = decode(&bytes);
    assert_eq!(frames.len(), 4);
    let delays: Vec<u16> = frames.iter().map(|f| f.1).collect();
    assert_eq!(
        delays,
        [4, 12, 4, 4],
        "the unchanged frames lengthen the one before"
    );
    for ((shown, _, _), k) in frames.iter().zip([0, 5, 20, 40]) {
        let want = frame(k);
        assert!(
            max_error(shown, &want) <= 24,
            "frame of {k} points: error {}",
            max_error(shown, &want)
        );
        for i in 0..k {
            let at = 4 * ((10 + i / 2) * W + 10 + i);
            assert_eq!(
                shown[at..at + 3],
                RUN,
                "the path's point {i} in its exact colour"
            );
        }
        let at = 4 * (70 * W + 100);
        assert_eq!(shown[at..at + 3], OTHER);
    }
    // The whole first frame, then only where the path grew.
    assert_eq!(frames[0].2, (0, 0, W as u16, H as u16));
    assert_eq!(frames[1].2, (10, 10, 5, 3));
    assert_eq!(frames[2].2, (15, 12, 15, 8));
}

#[test]
fn a_picture_of_few_colours_comes_back_exactly() {
    // 200 colours, each in a cell of its own (five bits a channel), and the runs' colour.
    let mut px = Vec::new();
    for y in 0..H {
        for x in 0..W {
            let c = if x == y {
                RUN
            } else {
                [((x % 20) * 8) as u8, ((y % 10) * 24) as u8, 200]
            };
            px.extend_from_slice(&c);
            px.push(255);
        }
    }
    let mut rec = GifRecording::new(W as u32, H as u32, &[RUN]).unwrap();
    rec.push(&px, 10).unwrap();
    let frames = decode(&rec.finish().unwrap());
    assert_eq!(frames.len(), 1);
    assert_eq!(max_error(&frames[0].0, &px), 0);
}

#[test]
fn bad_frames_and_sizes_are_named_and_nothing_panics() {
    assert!(GifRecording::new(0, 10, &[]).unwrap_err().contains("width"));
    assert!(GifRecording::new(10, 70_000, &[])
        .unwrap_err()
        .contains("height"));
    let mut rec = GifRecording::new(4, 3, &[]).unwrap();
    let e = rec.push(&[0; 47], 2).unwrap_err();
    assert!(e.contains("4×3") && e.contains("48"), "{e}");
    assert_eq!(
        GifRecording::new(4, 3, &[]).unwrap().finish().unwrap_err(),
        "nothing was recorded"
    );
    // A black and a white frame: two colours, two frames.
    let mut rec = GifRecording::new(4, 3, &[]).unwrap();
    rec.push(&[0; 48], 2).unwrap();
    rec.push(&[255; 48], 2).unwrap();
    let frames = decode_small(&rec.finish().unwrap());
    assert_eq!(frames, 2);
}

fn decode_small(bytes: &[u8]) -> usize {
    let mut d = gif::DecodeOptions::new().read_info(bytes).unwrap();
    let mut n = 0;
    while d.read_next_frame().unwrap().is_some() {
        n += 1;
    }
    n
}
