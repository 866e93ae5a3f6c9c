//! PNG pictures as the bot sent them, decoded to RGB pixels for tests to read.

use std::collections::HashSet;

/// An 8-bit RGB PNG, decoded.
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Decoded {
    /// Decodes `png`; panics (with `what`) on anything but an 8-bit RGB PNG.
    pub fn from_png(what: &str, png: &[u8]) -> Decoded {
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap_or_else(|e| panic!("{what}: not a PNG: {e}"));
        assert_eq!(reader.output_color_type(), (png::ColorType::Rgb, png::BitDepth::Eight), "{what}");
        let mut rgb = vec![0; reader.output_buffer_size().expect("a bounded picture")];
        let info = reader.next_frame(&mut rgb).unwrap_or_else(|e| panic!("{what}: {e}"));
        rgb.truncate(info.buffer_size());
        Decoded { width: info.width, height: info.height, rgb }
    }

    pub fn at(&self, x: i32, y: i32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    pub fn colours(&self) -> HashSet<[u8; 3]> {
        self.rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect()
    }

    pub fn count(&self, rgb: [u8; 3]) -> usize {
        self.rgb.chunks_exact(3).filter(|p| **p == rgb).count()
    }

    /// Not a blank canvas: several colours and some dark (text) pixels.
    pub fn assert_drawn(&self, what: &str) {
        let ink = self.rgb.chunks_exact(3).filter(|p| p[0] < 128 && p[1] < 128 && p[2] < 128).count();
        assert!(ink > 200, "{what}: only {ink} dark pixels (no text?)");
        assert!(self.colours().len() > 8, "{what}: blank");
    }
}
