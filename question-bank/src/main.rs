//! `question-bank`: validate, convert and summarise question bank files.

fn main() {
    eprintln!("question-bank: not built yet");
    std::process::exit(2);
}
