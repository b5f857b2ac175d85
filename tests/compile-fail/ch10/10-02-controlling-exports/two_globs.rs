mod stats {
    #[derive(Debug)]
    pub struct Error;

    pub fn mean(data: &[f64]) -> Result<f64, Error> {
        match data.len() {
            0 => Err(Error),
            n => Ok(data.iter().sum::<f64>() / n as f64),
        }
    }
}

mod csv {
    #[derive(Debug)]
    pub struct Error;

    pub fn parse(line: &str) -> Result<Vec<f64>, Error> {
        line.split(',').map(|x| x.trim().parse().map_err(|_| Error)).collect()
    }
}

// Two globs that both offer `Error` compile, until the name is used.
use csv::*;
use stats::*;

fn main() {
    let data = parse("1, 2, 3").unwrap_or_default();
    let failed: Option<Error> = mean(&data).err();
    println!("{failed:?}");
}
