mod graphics {
    pub mod formats {
        pub mod png {
            // Visible in `formats` and everything inside it; not in `graphics`.
            pub(super) fn checksum(bytes: &[u8]) -> u32 {
                bytes.iter().map(|&b| u32::from(b)).sum()
            }
        }

        pub mod jpg {
            pub fn checksum(bytes: &[u8]) -> u32 {
                super::png::checksum(bytes) // fine: jpg is inside formats
            }
        }
    }

    pub fn checksum(bytes: &[u8]) -> u32 {
        formats::png::checksum(bytes) // graphics is the grandparent: too far
    }
}

fn main() {
    println!("{}", graphics::checksum(b"abc"));
    println!("{}", graphics::formats::jpg::checksum(b"abc"));
}
