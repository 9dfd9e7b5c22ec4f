//! `question-bank`: validate, convert and summarise question bank files.
//!
//! Exit codes: 0 when everything is fine, 1 when any input has problems (nothing is written),
//! 2 for usage or I/O errors. Warnings (see `question_bank::audit`) are printed but keep exit
//! code 0, so an organizer's half-finished bank still converts; `validate --deny-warnings` turns
//! them into exit code 1, which is how CI holds the starter bank to zero warnings.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use question_bank::stats::Stats;
use question_bank::{
    Format, Origin, Problem, Question, ReadOptions, TopicRef, audit, check_across_files,
};

#[derive(Parser)]
#[command(
    name = "question-bank",
    version,
    about = "Validate, convert and summarise dautri question banks"
)]
struct Cli {
    /// Print messages in Vietnamese.
    #[arg(long, global = true)]
    vi: bool,
    /// Topic code for GIFT, Aiken and Moodle XML questions without a category.
    #[arg(long, global = true, requires = "topic_name")]
    topic_code: Option<String>,
    /// Topic name that goes with --topic-code.
    #[arg(long, global = true, requires = "topic_code")]
    topic_name: Option<String>,
    /// Date (YYYY-MM-DD) to check legal validity against; default today (UTC).
    #[arg(long, global = true, value_name = "DATE")]
    today: Option<NaiveDate>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files (directories: every *.yaml/*.yml inside); exit 1 if any problem.
    Validate {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Exit 1 on warnings too (key positions, longest option, true/false balance, lapsed
        /// legal basis, near-duplicate options, …), not only on problems.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Convert IN (file or directory) to OUT; formats from the extensions. Refuses if IN has problems.
    Convert {
        /// Input file or directory.
        input: PathBuf,
        /// Output file (.yaml, .csv or .xlsx), or a directory (existing, or ending in /) to get
        /// one <topic code>.yaml per topic, as in the bank.
        output: PathBuf,
        /// Shuffle each question's options, so exported keys do not sit where they were
        /// written (the same seed gives the same file).
        #[arg(long)]
        shuffle_options: bool,
        /// Seed for --shuffle-options; default random, printed so the file can be made again.
        #[arg(long, requires = "shuffle_options")]
        seed: Option<u64>,
    },
    /// Count questions by topic, difficulty, kind and status, and show how answers are spread;
    /// warnings go to stderr.
    Stats {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write a template to fill in (.yaml, .csv or .xlsx, from OUT's extension).
    Template {
        /// Output file.
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("question-bank: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command; `Ok(false)` means the inputs had problems.
fn run(cli: &Cli) -> anyhow::Result<bool> {
    let options = ReadOptions {
        default_topic: cli
            .topic_code
            .clone()
            .zip(cli.topic_name.clone())
            .map(|(code, name)| TopicRef { code, name }),
        ..ReadOptions::default()
    };
    let today = cli.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    match &cli.command {
        Command::Validate {
            paths,
            deny_warnings,
        } => {
            let loaded = load(paths, &options, today)?;
            loaded.print(cli.vi);
            println!(
                "{} file(s), {} question(s), {} problem(s), {} warning(s)",
                loaded.files,
                loaded.questions.len(),
                loaded.problems.len(),
                loaded.warnings.len()
            );
            let warnings_fail = *deny_warnings && !loaded.warnings.is_empty();
            Ok(loaded.problems.is_empty() && !warnings_fail)
        }
        Command::Convert {
            input,
            output,
            shuffle_options,
            seed,
        } => {
            let to_directory = output.is_dir() || output.to_string_lossy().ends_with('/');
            let format = if to_directory {
                Format::Yaml
            } else {
                writable_format(output)?
            };
            let loaded = load(std::slice::from_ref(input), &options, today)?;
            if !loaded.problems.is_empty() {
                loaded.print(cli.vi);
                eprintln!("{} problem(s): nothing written", loaded.problems.len());
                return Ok(false);
            }
            let mut questions: Vec<Question> =
                loaded.questions.into_iter().map(|(q, _)| q).collect();
            if *shuffle_options {
                let seed = seed.unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
                question_bank::shuffle_options(&mut questions, seed);
                println!("options shuffled with --seed {seed}");
            }
            if to_directory {
                std::fs::create_dir_all(output)
                    .with_context(|| format!("cannot create {}", output.display()))?;
                let files = question_bank::formats::yaml::write_per_topic(&questions)?;
                for (name, bytes) in &files {
                    let path = output.join(name);
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                println!(
                    "wrote {} question(s) in {} topic file(s) to {}",
                    questions.len(),
                    files.len(),
                    output.display()
                );
                return Ok(true);
            }
            let bytes = question_bank::write(&questions, format)?;
            std::fs::write(output, bytes)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "wrote {} question(s) to {}",
                questions.len(),
                output.display()
            );
            Ok(true)
        }
        Command::Stats { paths, json } => {
            let loaded = load(paths, &options, today)?;
            if !loaded.problems.is_empty() {
                eprintln!(
                    "note: {} problem(s) found; run validate for details",
                    loaded.problems.len()
                );
            }
            for line in loaded.warning_lines(cli.vi) {
                eprintln!("{line}");
            }
            let questions: Vec<Question> = loaded.questions.into_iter().map(|(q, _)| q).collect();
            let stats = Stats::of(&questions);
            if *json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", stats.to_table());
            }
            Ok(true)
        }
        Command::Template { output } => {
            let bytes = question_bank::template(writable_format(output)?)?;
            std::fs::write(output, bytes)
                .with_context(|| format!("cannot write {}", output.display()))?;
            Ok(true)
        }
    }
}

fn writable_format(path: &Path) -> anyhow::Result<Format> {
    let name = path.to_string_lossy();
    match Format::from_file_name(&name) {
        Some(format) if format.can_write() => Ok(format),
        _ => bail!("{name}: can only write .yaml, .csv or .xlsx"),
    }
}

/// Everything read from the given paths.
struct Loaded {
    files: usize,
    /// Each question with the file (display name) and line it came from.
    questions: Vec<(Question, (String, Option<u32>))>,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Loaded {
    fn print(&self, vietnamese: bool) {
        for p in &self.problems {
            println!("{}", p.display(vietnamese));
        }
        for line in self.warning_lines(vietnamese) {
            println!("{line}");
        }
    }

    /// Each warning as `file:line: warning: field: message`.
    fn warning_lines(&self, vietnamese: bool) -> Vec<String> {
        let warning = if vietnamese { "cảnh báo" } else { "warning" };
        self.warnings
            .iter()
            .map(|w| {
                let mut w = w.clone();
                w.field = Some(match w.field.take() {
                    Some(f) => format!("{warning}: {f}"),
                    None => warning.to_owned(),
                });
                w.display(vietnamese)
            })
            .collect()
    }
}

fn load(paths: &[PathBuf], options: &ReadOptions, today: NaiveDate) -> anyhow::Result<Loaded> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    let mut loaded = Loaded {
        files: files.len(),
        questions: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    for file in &files {
        let name = file.display().to_string();
        let bytes = read_capped(file, options.limits.max_file_bytes)?;
        let report = question_bank::read_with(&bytes, &name, options);
        loaded.problems.extend(report.problems);
        loaded.warnings.extend(report.warnings);
        for (q, line) in report.questions.into_iter().zip(report.lines) {
            loaded.questions.push((q, (name.clone(), line)));
        }
    }
    let origins: Vec<Origin> = loaded
        .questions
        .iter()
        .map(|(_, (f, l))| Origin {
            file: Some(f),
            line: *l,
            is_row: false,
        })
        .collect();
    let questions: Vec<Question> = loaded.questions.iter().map(|(q, _)| q.clone()).collect();
    loaded
        .problems
        .extend(check_across_files(&questions, &origins));
    let where_ = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    // Warnings over all the files together carry no file; name what was given instead.
    loaded.warnings.extend(
        audit(&questions, &origins, today)
            .into_iter()
            .map(|w| w.in_file(Some(&where_))),
    );
    if loaded.questions.is_empty() && loaded.problems.is_empty() {
        loaded.problems.push(
            Problem::new("no questions found", "không tìm thấy câu hỏi nào").in_file(Some(&where_)),
        );
    }
    Ok(loaded)
}

/// Reads at most `max + 1` bytes, so a huge file is refused by the reader without being loaded.
fn read_capped(path: &Path, max: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}

/// Files as given; directories contribute their *.yaml / *.yml files, recursively, sorted.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !path.is_dir() {
        if !path.exists() {
            bail!("{} does not exist", path.display());
        }
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(entry);
        }
    }
    Ok(())
}
