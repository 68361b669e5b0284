//! Just enough of the safetensors format to read a model: an 8-byte
//! little-endian header length, a JSON header naming each tensor's dtype,
//! shape and byte range, then the data.
//!
//! Tensors are read straight from the file into the f32 buffers that hold
//! them, one copy and no 90 MB staging buffer: that halves the load time.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::Digest;

use crate::Error;

/// An open safetensors file whose header has been read.
pub(crate) struct SafeTensors {
    path: String,
    file: File,
    data_start: u64,
    tensors: HashMap<String, TensorInfo>,
    /// Hashes the header and samples of every tensor read (see
    /// [`SafeTensors::fingerprint`]).
    hasher: sha2::Sha256,
}

#[derive(serde::Deserialize)]
struct TensorInfo {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

impl SafeTensors {
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|e| {
            Error::Invalid(format!(
                "cannot read {shown}: {e}; run scripts/fetch-models"
            ))
        })?;
        let invalid = |why: &str| {
            Error::Invalid(format!(
                "{shown} is not a safetensors file ({why}); delete it and run scripts/fetch-models"
            ))
        };
        let file_len = file.metadata()?.len();
        let mut len_bytes = [0u8; 8];
        read_at(&file, &mut len_bytes, 0).map_err(|_| invalid("too short"))?;
        let header_len = u64::from_le_bytes(len_bytes);
        let data_start = 8u64
            .checked_add(header_len)
            .filter(|&end| end <= file_len && header_len < 100 << 20)
            .ok_or_else(|| invalid("header longer than the file"))?;
        let mut header = vec![0u8; header_len as usize];
        read_at(&file, &mut header, 8)?;
        let mut hasher = sha2::Sha256::new();
        hasher.update(file_len.to_le_bytes());
        hasher.update(&header);
        let header: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&header).map_err(|e| invalid(&format!("header: {e}")))?;
        let mut tensors = HashMap::new();
        for (name, value) in header {
            if name == "__metadata__" {
                continue;
            }
            let info: TensorInfo = serde_json::from_value(value)
                .map_err(|e| invalid(&format!("tensor {name}: {e}")))?;
            let [start, end] = info.data_offsets;
            if start > end || data_start + end > file_len {
                return Err(invalid(&format!("tensor {name} lies outside the file")));
            }
            tensors.insert(name, info);
        }
        Ok(Self {
            path: shown,
            file,
            data_start,
            tensors,
            hasher,
        })
    }

    /// Identifies the file from its length, its header, and samples of the
    /// tensors read so far (the first 4 KiB of each and 64 bytes of every
    /// 4 KiB after): enough to tell one model's weights from another's
    /// without hashing 90 MB at every start.
    pub(crate) fn fingerprint(&self) -> [u8; 32] {
        self.hasher.clone().finalize().into()
    }

    /// The f32 tensor `name`, checked to have `shape`, read into `out`
    /// (resized to fit).
    pub(crate) fn read_f32(
        &mut self,
        name: &str,
        shape: &[usize],
        out: &mut Vec<f32>,
    ) -> Result<(), Error> {
        let info = self.tensors.get(name).ok_or_else(|| {
            Error::Invalid(format!(
                "{} has no tensor {name}: is it all-MiniLM-L6-v2's model.safetensors? \
                 Delete it and run scripts/fetch-models",
                self.path
            ))
        })?;
        let [start, end] = info.data_offsets;
        let count: usize = shape.iter().product();
        if info.dtype != "F32" || info.shape != shape || end - start != 4 * count as u64 {
            return Err(Error::Invalid(format!(
                "{}: tensor {name} is {} {:?}, expected F32 {shape:?}; \
                 delete it and run scripts/fetch-models",
                self.path, info.dtype, info.shape
            )));
        }
        if out.is_empty() {
            // Zeroed by the allocator (fresh pages from the OS), not by a
            // pass over 47 MB.
            *out = vec![0.0; count];
        } else {
            out.clear();
            out.resize(count, 0.0);
        }
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(out.as_mut_slice());
        read_at(&self.file, bytes, self.data_start + start).map_err(|e| {
            Error::Invalid(format!(
                "{}: cannot read tensor {name} ({e}); delete it and run scripts/fetch-models",
                self.path
            ))
        })?;
        self.hasher.update(&bytes[..bytes.len().min(4096)]);
        for block in bytes.chunks(4096).skip(1) {
            self.hasher.update(&block[..block.len().min(64)]);
        }
        // The file is little-endian; on such a machine this compiles to
        // nothing.
        for v in out.iter_mut() {
            *v = f32::from_bits(u32::from_le(v.to_bits()));
        }
        Ok(())
    }

    pub(crate) fn f32(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, Error> {
        let mut out = Vec::new();
        self.read_f32(name, shape, &mut out)?;
        Ok(out)
    }
}

fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}
