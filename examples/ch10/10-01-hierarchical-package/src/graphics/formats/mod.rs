//! `crate::graphics::formats`, in the older layout: the module's own file is `mod.rs`, inside
//! the folder that holds its children.

pub mod jpg;
pub mod png;

pub(in crate::graphics) const HERE: super::Here = (module_path!(), file!());

// ANCHOR: describe
/// `pub(crate)`: any module of this crate may call it (`main` does), but if the crate were a
/// library, its users could not: it is not part of the public API.
pub(crate) fn describe(encoded: &[u8]) -> String {
    // Every encoder starts with its format's name and a zero byte.
    let name_len = encoded
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(encoded.len());
    let name = String::from_utf8_lossy(&encoded[..name_len]);
    format!("{name}, {} bytes", encoded.len())
}
// ANCHOR_END: describe
