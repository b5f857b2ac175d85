//! `crate::graphics::formats::jpg`

use crate::graphics::primitive::fill::Fill;

pub(in crate::graphics) const HERE: crate::graphics::Here = (module_path!(), file!());

// ANCHOR: jpg
pub fn encode(fill: &Fill) -> Vec<u8> {
    let pixels = fill.pixels();
    let mut out = b"JPEG\0".to_vec();
    // `checksum` is `pub(super)` in png: its parent is `formats`, which holds us too.
    out.extend_from_slice(&super::png::checksum(&pixels).to_be_bytes());
    out.push(pixels.first().copied().unwrap_or(0)); // one gray level: one byte suffices
    out
}
// ANCHOR_END: jpg

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pub_super_reaches_a_sibling_of_the_declaring_module() {
        let fill = Fill::new(3, 2, 7);
        let (jpg, png) = (encode(&fill), super::super::png::encode(&fill));
        assert_eq!(jpg[5..9], png[4..8], "both use png's checksum");
    }
}
