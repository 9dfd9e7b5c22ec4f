//! Where the machine's CPU goes while the day runs: the server, PostgreSQL's and Redis's
//! processes, this load tool, and the rest, from `/proc`.
//!
//! On a small machine the load tool and the databases compete with the server for the same
//! cores, so "the machine is saturated" has to be a figure, not a guess, and so does who
//! saturates it. A mean over the whole day hides a storm inside a quiet tail, so the report
//! also gives the parts over the seconds the machine was saturated (busy on at least 90% of
//! its CPUs).

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};

/// Clock ticks per second in `/proc/<pid>/stat` and `/proc/stat` (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// A machine this busy (a share of all its CPUs) counts as saturated.
const SATURATED: f64 = 0.9;

/// Samples closer together than this (seconds) are one sample.
const SHORTEST: f64 = 0.25;

/// The processes counted beside the server, by command name (any on this machine: another
/// instance's count too), and the name the report gives them.
const SERVICES: [(&str, &str); 2] = [("postgres", "postgresql"), ("redis-server", "redis")];

/// CPU time (user + system, in ticks) of a process so far.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after ')' are positional.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Busy and total ticks of all CPUs together (busy: all but idle and iowait), and how many
/// CPUs `/proc/stat` lists.
fn machine_ticks() -> Option<(u64, u64, usize)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let mut lines = stat.lines();
    let fields: Vec<u64> = lines
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    let cpus = lines
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    Some((total.saturating_sub(idle), total, cpus.max(1)))
}

/// Cores used by each part over some stretch of time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Parts {
    pub machine: f64,
    pub server: f64,
    pub postgresql: f64,
    pub redis: f64,
    pub load_tool: f64,
}

impl Parts {
    fn other(&self) -> f64 {
        (self.machine - self.server - self.postgresql - self.redis - self.load_tool).max(0.0)
    }

    pub fn scaled(&self, by: f64) -> Parts {
        Parts {
            machine: self.machine * by,
            server: self.server * by,
            postgresql: self.postgresql * by,
            redis: self.redis * by,
            load_tool: self.load_tool * by,
        }
    }

    pub(crate) fn add(&mut self, other: Parts) {
        self.machine += other.machine;
        self.server += other.server;
        self.postgresql += other.postgresql;
        self.redis += other.redis;
        self.load_tool += other.load_tool;
    }

    /// Into a sample of the timeline (`<part>_cores`).
    pub fn write_into(&self, sample: &mut Value) {
        sample["machine_cores"] = json!(self.machine);
        sample["postgresql_cores"] = json!(self.postgresql);
        sample["redis_cores"] = json!(self.redis);
        sample["load_tool_cores"] = json!(self.load_tool);
    }

    pub fn to_json(self) -> Value {
        json!({
            "machine": self.machine,
            "server": self.server,
            "postgresql": self.postgresql,
            "redis": self.redis,
            "load_tool": self.load_tool,
            "other": self.other(),
        })
    }
}

/// Ticks read at one moment.
#[derive(Clone, Copy)]
struct Reading {
    at: Instant,
    machine: Option<(u64, u64, usize)>,
    server: Option<u64>,
    load_tool: Option<u64>,
}

impl Reading {
    fn now(server: Option<u32>) -> Self {
        Reading {
            at: Instant::now(),
            machine: machine_ticks(),
            server: server.and_then(cpu_ticks),
            load_tool: cpu_ticks(std::process::id()),
        }
    }
}

/// Samples the parts again and again, and sums them.
pub(crate) struct CpuAccount {
    server: Option<u32>,
    last: Reading,
    /// The last ticks seen per process of a named service (and which service). A process
    /// that starts during the day counts from its start; one that ends loses at most the
    /// last interval.
    seen: HashMap<u32, (usize, u64)>,
    cpus: usize,
    /// Cores × seconds, over the day and over its saturated intervals.
    day: Parts,
    day_seconds: f64,
    saturated: Parts,
    saturated_seconds: f64,
}

impl CpuAccount {
    /// Starts counting now; `server` is the server's process, when it runs here.
    pub fn new(server: Option<u32>) -> Self {
        let last = Reading::now(server);
        let mut account = CpuAccount {
            server,
            cpus: last.machine.map_or(1, |m| m.2),
            last,
            seen: HashMap::new(),
            day: Parts::default(),
            day_seconds: 0.0,
            saturated: Parts::default(),
            saturated_seconds: 0.0,
        };
        account.services();
        account
    }

    /// Ticks of each named service since the last call.
    fn services(&mut self) -> [u64; SERVICES.len()] {
        let mut spent = [0; SERVICES.len()];
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return spent;
        };
        let mut alive = HashMap::new();
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
                continue;
            };
            let Some(service) = SERVICES.iter().position(|(name, _)| comm.trim() == *name) else {
                continue;
            };
            let Some(ticks) = cpu_ticks(pid) else {
                continue;
            };
            let before = self.seen.get(&pid).map_or(0, |&(_, t)| t);
            spent[service] += ticks.saturating_sub(before);
            alive.insert(pid, (service, ticks));
        }
        self.seen = alive;
        spent
    }

    /// The parts since the last sample, in cores; `None` when the machine's counters cannot
    /// be read (not Linux) or no time passed.
    pub fn sample(&mut self) -> Option<Parts> {
        let now = Reading::now(self.server);
        let seconds = (now.at - self.last.at).as_secs_f64();
        // The counters move in ticks of 10 ms: over a shorter stretch one tick more or less
        // reads as cores more or less. Such a stretch is left to the next sample.
        if seconds < SHORTEST {
            return None;
        }
        let spent = self.services();
        let last = std::mem::replace(&mut self.last, now);
        let ((b0, t0, _), (b1, t1, _)) = (last.machine?, now.machine?);
        if t1 <= t0 {
            return None;
        }
        let cores = |ticks: u64| ticks as f64 / TICKS / seconds;
        let delta = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => cores(b.saturating_sub(a)),
            _ => 0.0,
        };
        let parts = Parts {
            // All CPUs' ticks together: busy / total is the share of all of them.
            machine: b1.saturating_sub(b0) as f64 / (t1 - t0) as f64 * self.cpus as f64,
            server: delta(last.server, now.server),
            postgresql: cores(spent[0]),
            redis: cores(spent[1]),
            load_tool: delta(last.load_tool, now.load_tool),
        };
        self.day.add(parts.scaled(seconds));
        self.day_seconds += seconds;
        if parts.machine >= SATURATED * self.cpus as f64 {
            self.saturated.add(parts.scaled(seconds));
            self.saturated_seconds += seconds;
        }
        Some(parts)
    }

    /// Mean cores per part over the samples so far.
    pub fn day_mean(&self) -> Option<Parts> {
        (self.day_seconds > 0.0).then(|| self.day.scaled(1.0 / self.day_seconds))
    }

    /// Mean cores per part over the day, and over its saturated seconds.
    pub fn summary(&self) -> Value {
        let mean =
            |sum: Parts, seconds: f64| (seconds > 0.0).then(|| sum.scaled(1.0 / seconds).to_json());
        json!({
            "cpus": self.cpus,
            "seconds": self.day_seconds,
            "mean_cores": mean(self.day, self.day_seconds),
            "saturated_seconds": self.saturated_seconds,
            "saturated_mean_cores": mean(self.saturated, self.saturated_seconds),
        })
    }
}

/// The report's lines for [`CpuAccount::summary`].
pub(super) fn lines(cpu: &Value) -> String {
    let part = |p: &Value| {
        let f = |k: &str| p[k].as_f64().unwrap_or(0.0);
        format!(
            "machine {:.2} = server {:.2} + PostgreSQL {:.2} + Redis {:.2} + this load tool {:.2} + other {:.2}",
            f("machine"),
            f("server"),
            f("postgresql"),
            f("redis"),
            f("load_tool"),
            f("other")
        )
    };
    let mut out = format!(
        "CPU, mean cores of {} over the day: {}\n",
        cpu["cpus"],
        part(&cpu["mean_cores"])
    );
    let saturated = cpu["saturated_seconds"].as_f64().unwrap_or(0.0);
    if cpu["saturated_mean_cores"].is_object() {
        out.push_str(&format!(
            "CPU while the machine was saturated (≥{:.0}% busy, {saturated:.0} of {:.0} s): {}\n",
            SATURATED * 100.0,
            cpu["seconds"].as_f64().unwrap_or(0.0),
            part(&cpu["saturated_mean_cores"])
        ));
    } else {
        out.push_str("the machine was never saturated\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spins until this process has used `ticks` more of CPU time (at most 20 s of wall time).
    fn spin(ticks: u64) {
        let me = std::process::id();
        let start = cpu_ticks(me).unwrap_or(0);
        let limit = Instant::now() + std::time::Duration::from_secs(20);
        let mut x = 0u64;
        while cpu_ticks(me).unwrap_or(u64::MAX) < start + ticks && Instant::now() < limit {
            for i in 0..100_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
        }
    }

    #[test]
    fn the_work_of_this_process_is_counted_as_its_own_and_the_machines() {
        // This process stands as both the server and the load tool.
        let mut account = CpuAccount::new(Some(std::process::id()));
        spin(30);
        let parts = account.sample().unwrap_or_default();
        assert!(parts.load_tool > 0.0, "{parts:?}");
        assert!((parts.server - parts.load_tool).abs() < 1e-9, "{parts:?}");
        assert!(parts.machine > 0.0, "{parts:?}");
        let summary = account.summary();
        assert_eq!(
            summary["cpus"].as_u64(),
            machine_ticks().map(|m| m.2 as u64)
        );
        assert!(summary["mean_cores"]["load_tool"].as_f64().unwrap_or(0.0) > 0.0);
        let text = lines(&summary);
        assert!(text.starts_with("CPU, mean cores of "), "{text}");
    }

    #[test]
    fn the_rest_is_what_the_named_parts_leave_and_never_negative() {
        let parts = Parts {
            machine: 1.9,
            server: 0.8,
            postgresql: 0.5,
            redis: 0.1,
            load_tool: 0.3,
        };
        assert!((parts.other() - 0.2).abs() < 1e-9);
        let over = Parts {
            machine: 0.5,
            ..parts
        };
        assert_eq!(over.other(), 0.0);
    }
}
