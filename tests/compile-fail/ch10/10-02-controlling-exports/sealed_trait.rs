mod stats {
    mod sealed {
        pub trait Sealed {}
    }

    /// Public, so anyone can use it; sealed, so only this module can implement it.
    pub trait Measure: sealed::Sealed {
        fn of(&self, data: &[f64]) -> f64;
    }

    pub struct Mean;

    impl sealed::Sealed for Mean {}

    impl Measure for Mean {
        fn of(&self, data: &[f64]) -> f64 {
            data.iter().sum::<f64>() / data.len() as f64
        }
    }
}

use stats::Measure;

struct Mode;

impl Measure for Mode {
    fn of(&self, data: &[f64]) -> f64 {
        data.first().copied().unwrap_or(f64::NAN)
    }
}

fn main() {
    let mode = Mode;
    println!("{}", stats::Mean.of(&[1.0, 2.0]));
    let _ = mode;
}
