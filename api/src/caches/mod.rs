//! In-memory read models, loaded from the database and shared by every request: the unit tree
//! (`directory`), the contests and rounds that boards read (`catalog`), who a signed-in person
//! is for the boards' visibility checks (`people`), and the published
//! rankings held for final boards and exports (`frozen`), and whether the scoring store was
//! seen intact a moment ago (`store_ready`). Reads of one key asked at once go together
//! (`coalesce`). An instance's edits reach the others' copies through
//! `coherence`. They depend on persistence and the domain's ids only;
//! `state` holds them, and the standings, boards and exports read them.

pub mod catalog;
pub mod coalesce;
pub mod coherence;
pub mod directory;
pub mod frozen;
pub mod people;
pub mod store_ready;
pub mod ttl;
