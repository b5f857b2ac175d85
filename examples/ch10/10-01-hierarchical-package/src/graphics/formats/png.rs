//! `crate::graphics::formats::png`: a toy encoder, enough to show who may call what.

use crate::graphics::primitive::fill::Fill;

pub(in crate::graphics) const HERE: crate::graphics::Here = (module_path!(), file!());

// ANCHOR: png
pub fn encode(fill: &Fill) -> Vec<u8> {
    let pixels = fill.pixels(); // pub(in crate::graphics): we are inside graphics
    let mut out = b"PNG\0".to_vec();
    out.extend_from_slice(&checksum(&pixels).to_be_bytes());
    out.extend_from_slice(&pixels);
    out
}

/// `pub(super)`: visible in the parent, `formats`, and in every module inside it, so the
/// sibling `jpg` may call it; `graphics` and `main` may not.
pub(super) fn checksum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(1, |sum, &b| sum.wrapping_mul(31).wrapping_add(u32::from(b)))
}
// ANCHOR_END: png

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pub_in_path_gives_the_encoder_the_pixels() {
        let fill = Fill::new(3, 2, 7);
        let encoded = encode(&fill);
        assert_eq!(encoded.len(), 4 + 4 + 6);
        assert_eq!(&encoded[8..], &[7; 6]);
    }
}
