//! In-memory read models, loaded from the database and shared by every request: the unit tree
//! (`directory`), the contests and rounds that boards read (`catalog`), and the published
//! rankings held for final boards and exports (`frozen`). They depend on persistence only;
//! `state` holds them, and the standings, boards and exports read them.

pub mod catalog;
pub mod directory;
pub mod frozen;
