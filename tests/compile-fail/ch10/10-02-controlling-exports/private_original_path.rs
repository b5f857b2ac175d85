mod stats {
    mod measure {
        pub struct Mean;
    }

    pub use measure::Mean;
}

fn main() {
    let _fine = stats::Mean;
    let _refused = stats::measure::Mean;
}
