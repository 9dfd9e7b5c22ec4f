//! dautri's question bank: the model of a question, its file formats, importers and checks.
//! Usable without the server; the `api` crate builds on it.

pub mod fold;
