//! The contest load generator. The answer path it drives arrives with the contests issue.

fn main() {
    eprintln!("loadtest: the contest path is not built yet (see the contests issue)");
    std::process::exit(2);
}
