mod stats {
    #[derive(Debug)]
    pub struct Error;

    /// The usual one-parameter alias of a library's own `Result`.
    pub type Result<T> = std::result::Result<T, Error>;

    pub fn mean(data: &[f64]) -> Result<f64> {
        match data.len() {
            0 => Err(Error),
            n => Ok(data.iter().sum::<f64>() / n as f64),
        }
    }
}

// The glob brings `stats::Result` too, and it replaces the standard `Result` here.
use stats::*;

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse().map_err(|_| format!("not a port: {text}"))
}

fn main() {
    println!("{:?} {:?}", mean(&[1.0, 2.0]), parse_port("80"));
}
