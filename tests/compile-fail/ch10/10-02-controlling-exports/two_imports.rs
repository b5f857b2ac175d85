mod stats {
    #[derive(Debug)]
    pub struct Error;
}

mod csv {
    #[derive(Debug)]
    pub struct Error;
}

use csv::Error;
use stats::Error;

fn main() {
    println!("{:?}", Error);
}
