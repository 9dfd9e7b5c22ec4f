//! A `Write` adapter that cuts the output into bounded chunks and hands each one away.
//!
//! It is the bridge from the blocking writers to an async HTTP body: run the sheet writer on a
//! blocking thread with a `ChunkWriter` whose callback sends each chunk into a bounded
//! channel, and stream the channel's receiver as the response body. The channel's bound is
//! then the only buffering between the two sides.

use std::io::{self, Write};

/// Size of the chunks [`ChunkWriter::new`] hands over.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// Collects written bytes and hands them to a callback in chunks of exactly `chunk_size`
/// bytes, except the last one, which [`flush`](Write::flush), [`ChunkWriter::finish`] or drop
/// hands over.
///
/// The writer never holds more than `chunk_size` bytes ([`ChunkWriter::buffered`]), and no
/// chunk is larger, so memory stays bounded however much is written. An error returned by the
/// callback (say, the receiver hung up) is returned from the `write` that triggered it, which
/// stops the sheet writer.
pub struct ChunkWriter<F: FnMut(Vec<u8>) -> io::Result<()>> {
    buf: Vec<u8>,
    chunk_size: usize,
    deliver: F,
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> ChunkWriter<F> {
    /// A writer handing [`DEFAULT_CHUNK_SIZE`]-byte chunks to `deliver`.
    pub fn new(deliver: F) -> Self {
        Self::with_chunk_size(DEFAULT_CHUNK_SIZE, deliver)
    }

    /// A writer handing chunks of `chunk_size` bytes (at least 1) to `deliver`.
    pub fn with_chunk_size(chunk_size: usize, deliver: F) -> Self {
        let chunk_size = chunk_size.max(1);
        Self {
            buf: Vec::with_capacity(chunk_size),
            chunk_size,
            deliver,
        }
    }

    /// The chunk size; no chunk is larger.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// Bytes written but not handed over yet; never more than [`Self::chunk_size`].
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Hands over the remaining bytes, reporting the callback's error if it fails (dropping
    /// the writer does the same but has to ignore the error).
    pub fn finish(mut self) -> io::Result<()> {
        self.hand_over()
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        // The chunk is moved to the receiver, so each chunk needs a fresh allocation.
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(self.chunk_size));
        (self.deliver)(chunk)
    }
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> Write for ChunkWriter<F> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // Hand a full chunk over lazily, when more bytes arrive, so that a failing callback is
        // reported before any of `data` is taken.
        if self.buf.len() >= self.chunk_size {
            self.hand_over()?;
        }
        let taken = data.len().min(self.chunk_size - self.buf.len());
        self.buf.extend_from_slice(&data[..taken]);
        Ok(taken)
    }

    /// Hands over whatever is buffered, even if less than a chunk.
    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> Drop for ChunkWriter<F> {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; `finish` exists for callers who care.
        let _ = self.hand_over();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_exact_chunks_and_hands_the_rest_on_flush() {
        let mut chunks = Vec::new();
        let mut writer = ChunkWriter::with_chunk_size(4, |chunk| {
            chunks.push(chunk);
            Ok(())
        });
        writer.write_all(b"abcdefghij").expect("write");
        assert!(writer.buffered() <= 4);
        writer.write_all(b"k").expect("write");
        writer.flush().expect("flush");
        drop(writer);
        assert_eq!(chunks, [&b"abcd"[..], b"efgh", b"ijk"]);
    }

    #[test]
    fn drop_hands_the_rest() {
        let mut chunks = Vec::new();
        {
            let mut writer = ChunkWriter::new(|chunk| {
                chunks.push(chunk);
                Ok(())
            });
            writer.write_all(b"tail").expect("write");
        }
        assert_eq!(chunks, [b"tail"]);
    }

    #[test]
    fn callback_errors_stop_the_writer() {
        let mut writer = ChunkWriter::with_chunk_size(2, |_| {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "receiver gone"))
        });
        let err = writer.write_all(b"abcdef").expect_err("callback fails");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
