mod stats {
    pub trait Measure {
        fn of(&self, data: &[f64]) -> f64;
    }

    pub struct Mean;

    impl Measure for Mean {
        fn of(&self, data: &[f64]) -> f64 {
            data.iter().sum::<f64>() / data.len() as f64
        }
    }
}

// `Mean` is imported, the trait that gives it `of` is not.
use stats::Mean;

fn main() {
    println!("{}", Mean.of(&[1.0, 2.0]));
}
