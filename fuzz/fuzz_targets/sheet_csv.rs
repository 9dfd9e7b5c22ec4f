//! The CSV sheet reader behind unit and admission imports: no panic, the dimension and size
//! limits hold (a sheet claiming XFD1048576 must not allocate for it), and the table keeps
//! its promises.
#![no_main]

#[path = "sheets.rs"]
mod sheets_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sheets_check::check("upload.csv", data);
});
