//! The BERT encoder of all-MiniLM-L6-v2 and sentence-transformers' pooling
//! on top: mean of the last hidden states over the text's tokens, then L2
//! normalisation.
//!
//! A batch is run without padding: the dense layers (all but attention) act
//! on each token alone, so the tokens of every text in the batch are stacked
//! into one matrix, and only attention looks at one text at a time. A batch
//! costs what its tokens cost, whatever the spread of lengths.

use super::kernels::{self, Isa, Linear};
use super::safetensors::SafeTensors;
use super::DIM;
use crate::Error;

/// all-MiniLM-L6-v2's shape, from its config.json (checked at load).
pub(crate) const LAYERS: usize = 6;
pub(crate) const HEADS: usize = 12;
pub(crate) const HEAD_DIM: usize = DIM / HEADS;
const _: () = assert!(HEAD_DIM == kernels::HEAD);
pub(crate) const INTERMEDIATE: usize = 1536;
pub(crate) const VOCAB: usize = 30522;
pub(crate) const POSITIONS: usize = 512;
const EPS: f32 = 1e-12;

pub(crate) struct Bert {
    isa: Isa,
    words: Vec<f32>,
    /// Position embeddings with token type 0's embedding already added: a
    /// single text never has another type.
    positions: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Query, key and value in one product; the query rows pre-scaled by
    /// 1/√head_dim.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

/// Buffers reused across layers of one forward pass.
#[derive(Default)]
struct Scratch {
    qkv: Vec<f32>,
    context: Vec<f32>,
    projected: Vec<f32>,
    intermediate: Vec<f32>,
    packed: Vec<f32>,
    scores: Vec<f32>,
}

impl Bert {
    pub(crate) fn load(st: &mut SafeTensors, isa: Isa) -> Result<Self, Error> {
        // One buffer for every weight matrix on its way to being packed.
        let mut w = Vec::new();
        let norm = |st: &mut SafeTensors, prefix: &str| -> Result<Norm, Error> {
            Ok(Norm {
                gamma: st.f32(&format!("{prefix}.weight"), &[DIM])?,
                beta: st.f32(&format!("{prefix}.bias"), &[DIM])?,
            })
        };
        let words = st.f32("embeddings.word_embeddings.weight", &[VOCAB, DIM])?;
        let mut positions = st.f32("embeddings.position_embeddings.weight", &[POSITIONS, DIM])?;
        let types = st.f32("embeddings.token_type_embeddings.weight", &[2, DIM])?;
        for row in positions.chunks_exact_mut(DIM) {
            for (p, t) in row.iter_mut().zip(&types[..DIM]) {
                *p += t;
            }
        }
        let embeddings_norm = norm(st, "embeddings.LayerNorm")?;
        let scale = 1.0 / (HEAD_DIM as f32).sqrt();
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let p = format!("encoder.layer.{l}");
            let mut linear = |st: &mut SafeTensors, name: &str, outputs: usize, inputs: usize| {
                st.read_f32(&format!("{p}.{name}.weight"), &[outputs, inputs], &mut w)?;
                let b = st.f32(&format!("{p}.{name}.bias"), &[outputs])?;
                Ok::<_, Error>(Linear::new(&w, &b, outputs, inputs))
            };
            let attention_out = linear(st, "attention.output.dense", DIM, DIM)?;
            let intermediate = linear(st, "intermediate.dense", INTERMEDIATE, DIM)?;
            let output = linear(st, "output.dense", DIM, INTERMEDIATE)?;
            let mut qkv_w = Vec::with_capacity(3 * DIM * DIM);
            let mut qkv_b = Vec::with_capacity(3 * DIM);
            for (part, factor) in [("query", scale), ("key", 1.0), ("value", 1.0)] {
                st.read_f32(
                    &format!("{p}.attention.self.{part}.weight"),
                    &[DIM, DIM],
                    &mut w,
                )?;
                let b = st.f32(&format!("{p}.attention.self.{part}.bias"), &[DIM])?;
                qkv_w.extend(w.iter().map(|v| v * factor));
                qkv_b.extend(b.iter().map(|v| v * factor));
            }
            layers.push(Layer {
                qkv: Linear::new(&qkv_w, &qkv_b, 3 * DIM, DIM),
                attention_out,
                attention_norm: norm(st, &format!("{p}.attention.output.LayerNorm"))?,
                intermediate,
                output,
                output_norm: norm(st, &format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(Self {
            isa,
            words,
            positions,
            norm: embeddings_norm,
            layers,
        })
    }

    pub(crate) fn isa(&self) -> Isa {
        self.isa
    }

    /// The pooled, normalised embedding of each token sequence. Ids must be
    /// below [`VOCAB`] and sequences at most [`POSITIONS`] long (the
    /// tokenizer sees to both).
    pub(crate) fn embed(&self, sequences: &[Vec<u32>]) -> Vec<[f32; DIM]> {
        let tokens: usize = sequences.iter().map(Vec::len).sum();
        let mut x = vec![0.0f32; tokens * DIM];
        let mut rows = x.chunks_exact_mut(DIM);
        for seq in sequences {
            for (pos, &id) in seq.iter().enumerate() {
                if let Some(row) = rows.next() {
                    let word = &self.words[id as usize * DIM..(id as usize + 1) * DIM];
                    let position = &self.positions[pos * DIM..(pos + 1) * DIM];
                    for ((r, w), p) in row.iter_mut().zip(word).zip(position) {
                        *r = w + p;
                    }
                }
            }
        }
        kernels::add_layer_norm(
            self.isa,
            &mut x,
            None,
            &self.norm.gamma,
            &self.norm.beta,
            EPS,
        );
        let mut s = Scratch::default();
        for layer in &self.layers {
            self.layer(layer, sequences, &mut x, &mut s);
        }
        let mut out = Vec::with_capacity(sequences.len());
        let mut start = 0;
        for seq in sequences {
            let mut pooled = [0.0f32; DIM];
            for row in x[start * DIM..(start + seq.len()) * DIM].chunks_exact(DIM) {
                for (p, v) in pooled.iter_mut().zip(row) {
                    *p += v;
                }
            }
            start += seq.len();
            // Dividing by the length before normalising changes nothing but
            // rounding; kept to match sentence-transformers step by step.
            let n = seq.len().max(1) as f32;
            pooled.iter_mut().for_each(|p| *p /= n);
            let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            pooled.iter_mut().for_each(|p| *p /= norm);
            out.push(pooled);
        }
        out
    }

    fn layer(&self, layer: &Layer, sequences: &[Vec<u32>], x: &mut [f32], s: &mut Scratch) {
        let tokens = x.len() / DIM;
        let isa = self.isa;
        s.qkv.resize(tokens * 3 * DIM, 0.0);
        layer.qkv.forward(isa, x, &mut s.qkv, false, &mut s.packed);
        s.context.resize(tokens * DIM, 0.0);
        let mut start = 0;
        for seq in sequences {
            let end = start + seq.len();
            kernels::attention(
                isa,
                &s.qkv[start * 3 * DIM..end * 3 * DIM],
                &mut s.context[start * DIM..end * DIM],
                HEADS,
                &mut s.scores,
            );
            start = end;
        }
        s.projected.resize(tokens * DIM, 0.0);
        layer
            .attention_out
            .forward(isa, &s.context, &mut s.projected, false, &mut s.packed);
        let n = &layer.attention_norm;
        kernels::add_layer_norm(isa, x, Some(&s.projected), &n.gamma, &n.beta, EPS);
        s.intermediate
            .resize(tokens * layer.intermediate.outputs(), 0.0);
        layer
            .intermediate
            .forward(isa, x, &mut s.intermediate, true, &mut s.packed);
        layer
            .output
            .forward(isa, &s.intermediate, &mut s.projected, false, &mut s.packed);
        let n = &layer.output_norm;
        kernels::add_layer_norm(isa, x, Some(&s.projected), &n.gamma, &n.beta, EPS);
    }
}
