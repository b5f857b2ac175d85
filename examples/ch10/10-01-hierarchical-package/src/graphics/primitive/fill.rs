//! `crate::graphics::primitive::fill`

pub(in crate::graphics) const HERE: crate::graphics::Here = (module_path!(), file!());

// ANCHOR: fill
/// A rectangle of one gray level. The fields are private: only `new` can make one.
#[derive(Debug)]
pub struct Fill {
    width: u8,
    height: u8,
    gray: u8,
}

impl Fill {
    pub fn new(width: u8, height: u8, gray: u8) -> Fill {
        Fill {
            width,
            height,
            gray,
        }
    }

    pub fn area(&self) -> usize {
        usize::from(self.width) * usize::from(self.height)
    }

    /// The pixels, row by row. The encoders in `graphics::formats` need them; nothing outside
    /// `graphics` does, so they are visible in `graphics` and every module inside it.
    pub(in crate::graphics) fn pixels(&self) -> Vec<u8> {
        vec![self.gray; self.area()]
    }
}
// ANCHOR_END: fill
