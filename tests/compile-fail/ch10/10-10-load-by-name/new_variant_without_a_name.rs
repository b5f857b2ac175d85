// A variant added to the enum, `Shout`, without a name: every `match` without `_` stops
// compiling until it handles the new command.
#[derive(Clone, Copy)]
enum Name {
    Count,
    Reverse,
    Upper,
    Shout,
}

impl Name {
    fn as_str(self) -> &'static str {
        match self {
            Name::Count => "count",
            Name::Reverse => "reverse",
            Name::Upper => "upper",
        }
    }
}

fn main() {
    println!("{}", Name::Shout.as_str());
}
