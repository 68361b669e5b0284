//! The arithmetic of the encoder, written as plain loops over fixed-size
//! arrays that the compiler vectorises, and run inside `pulp`'s dispatch so
//! that on a CPU with AVX2 and FMA they are compiled for it (the workspace
//! forbids unsafe code, and entering a `#[target_feature]` function needs
//! it; pulp does that one step in its own crate).
//!
//! The matrix product is shaped for what a sentence embedder does most:
//! a few dozen rows (tokens) against large weights. Weights are packed at
//! load into panels of [`NR`] output columns, each panel one contiguous run
//! over the inner dimension, so a product reads every weight exactly once
//! from memory and reuses it from L1 for every block of [`MR`] rows. Reading
//! the weights is a third of the time for one short text, so they are kept
//! as half-precision floats (widened with integer operations, as F16C is
//! not among the features pulp enables). The rest is FMA throughput: the
//! inner loop is 12 FMAs on 12 accumulators per 8 loads.

/// Output columns per panel: two AVX vectors.
pub(crate) const NR: usize = 16;
/// Rows per register block: 6 × 2 accumulators + 2 weights + 1 broadcast
/// fit the 16 vector registers.
const MR: usize = 6;
/// Rows are taken in chunks whose packed inputs fit in this many bytes, so
/// that they stay in cache while every panel of weights passes over them.
/// One text is always one chunk: the weights are read once.
const CHUNK_BYTES: usize = 2 << 20;

/// Rows per chunk for `k` inputs (see [`CHUNK_BYTES`]).
fn chunk_rows(k: usize) -> usize {
    (CHUNK_BYTES / (4 * k.max(1)) / MR).max(1) * MR
}

/// Which instructions the kernels are compiled for, chosen once at load.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Isa {
    /// Whatever the build targets (SSE2 on a default x86-64 build).
    Baseline,
    /// AVX2 and FMA, detected at run time.
    #[cfg(target_arch = "x86_64")]
    V3(pulp::x86::V3),
}

impl Isa {
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(v3) = pulp::x86::V3::try_new() {
            return Self::V3(v3);
        }
        Self::Baseline
    }

    /// A name for reports and benchmarks.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            #[cfg(target_arch = "x86_64")]
            Self::V3(_) => "avx2+fma",
        }
    }

    /// Runs `op` compiled for these instructions.
    #[inline(always)]
    fn run<O: Op>(self, op: O) -> O::Output {
        match self {
            Self::Baseline => op.run(Simd {
                fused: false,
                v3: None,
            }),
            #[cfg(target_arch = "x86_64")]
            Self::V3(v3) => v3.vectorize(Fused(op, v3)),
        }
    }
}

/// What an [`Op`] may use: FMA instructions if `fused`, and prefetching.
#[derive(Clone, Copy)]
struct Simd {
    fused: bool,
    #[cfg(target_arch = "x86_64")]
    v3: Option<pulp::x86::V3>,
    #[cfg(not(target_arch = "x86_64"))]
    v3: Option<()>,
}

impl Simd {
    /// Asks for the cache line holding `item` to be brought into L1.
    #[inline(always)]
    fn prefetch<T>(self, item: Option<&T>) {
        #[cfg(target_arch = "x86_64")]
        if let (Some(v3), Some(item)) = (self.v3, item) {
            v3.sse._mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (item as *const T).cast::<i8>(),
            );
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = item;
    }
}

/// A piece of arithmetic to run under [`Isa::run`]. Implementations mark
/// `run` `#[inline(always)]`, and so must everything they call: only code
/// inlined into pulp's entry point is compiled for its instructions (a
/// closure would not be reliably inlined).
trait Op {
    type Output;
    fn run(self, simd: Simd) -> Self::Output;
}

#[cfg(target_arch = "x86_64")]
struct Fused<O>(O, pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl<O: Op> pulp::NullaryFnOnce for Fused<O> {
    type Output = O::Output;

    #[inline(always)]
    fn call(self) -> O::Output {
        self.0.run(Simd {
            fused: true,
            v3: Some(self.1),
        })
    }
}

/// `a * b + c`, fused where the CPU can; unfused otherwise, because without
/// FMA instructions `mul_add` is a slow library call.
#[inline(always)]
fn madd(fused: bool, a: f32, b: f32, c: f32) -> f32 {
    if fused {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// A dense layer `y = x·Wᵀ + b` with its weights packed for the kernel.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    inputs: usize,
    outputs: usize,
    /// Panel `p` is `panels[p * inputs .. (p + 1) * inputs]`: for each input
    /// `i`, the weights from `i` to outputs `p * NR .. (p + 1) * NR`, as
    /// half-precision floats (see [`to_f16`]): the weights are read from
    /// memory once per product, and half the bytes take half the time.
    panels: Vec<[u16; NR]>,
    bias: Vec<[f32; NR]>,
}

impl Linear {
    /// From PyTorch's layout: `weight` is `outputs` rows of `inputs`.
    /// `outputs` must be a multiple of [`NR`] (all of this model's are).
    pub(crate) fn new(weight: &[f32], bias: &[f32], outputs: usize, inputs: usize) -> Self {
        debug_assert_eq!(outputs % NR, 0);
        debug_assert_eq!(weight.len(), outputs * inputs);
        let halves: Vec<u16> = weight.iter().map(|&w| to_f16(w)).collect();
        let mut panels = vec![[0u16; NR]; outputs / NR * inputs];
        // A panel's NR rows of the weight matrix at a time, so that the
        // writes stay within one panel.
        for (p, rows) in halves.chunks_exact(NR * inputs).enumerate() {
            let panel = &mut panels[p * inputs..(p + 1) * inputs];
            for (j, row) in rows.chunks_exact(inputs).enumerate() {
                for (dst, &h) in panel.iter_mut().zip(row) {
                    dst[j] = h;
                }
            }
        }
        let bias = bias.as_chunks::<NR>().0.to_vec();
        Self {
            inputs,
            outputs,
            panels,
            bias,
        }
    }

    pub(crate) fn outputs(&self) -> usize {
        self.outputs
    }

    /// `out` (rows × outputs) = `x` (rows × inputs) · Wᵀ + b, then GELU
    /// if `gelu` (while the output is still in cache). `scratch` holds the
    /// packed rows between calls.
    pub(crate) fn forward(
        &self,
        isa: Isa,
        x: &[f32],
        out: &mut [f32],
        gelu: bool,
        scratch: &mut Vec<f32>,
    ) {
        debug_assert_eq!(out.len(), x.len() / self.inputs * self.outputs);
        isa.run(LinearOp {
            linear: self,
            x,
            out,
            gelu,
            packed: scratch,
        })
    }
}

struct LinearOp<'a> {
    linear: &'a Linear,
    x: &'a [f32],
    out: &'a mut [f32],
    gelu: bool,
    packed: &'a mut Vec<f32>,
}

impl Op for LinearOp<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self, simd: Simd) {
        let fused = simd.fused;
        let Self {
            linear,
            x,
            out,
            gelu,
            packed,
        } = self;
        let (k, n) = (linear.inputs, linear.outputs);
        let rows = chunk_rows(k);
        for (x, out) in x.chunks(rows * k).zip(out.chunks_mut(rows * n)) {
            product(simd, x, k, &linear.panels, Some(&linear.bias), out, packed);
            if gelu {
                for v in out.iter_mut() {
                    *v = gelu_erf(fused, *v);
                }
            }
        }
    }
}

/// How the kernel reads a weight type: the model's halves or the skill
/// index's f32.
trait Weight: Copy {
    /// What the inputs are multiplied by for the widened weights to come
    /// out right (see [`from_f16_scaled`]).
    const INPUT_SCALE: f32;
    /// Whether rows must be widened to f32 (and the widened rows kept for
    /// the blocks after the first).
    const WIDENS: bool;
    /// One panel row as f32.
    fn widen(row: &[Self; NR]) -> [f32; NR];
    /// The rows themselves when they are f32 already.
    fn as_f32(rows: &[[Self; NR]]) -> Option<&[[f32; NR]]>;
}

impl Weight for u16 {
    const INPUT_SCALE: f32 = F16_UNSCALE;
    const WIDENS: bool = true;

    #[inline(always)]
    fn widen(row: &[u16; NR]) -> [f32; NR] {
        row.map(from_f16_scaled)
    }

    #[inline(always)]
    fn as_f32(_: &[[u16; NR]]) -> Option<&[[f32; NR]]> {
        None
    }
}

impl Weight for f32 {
    const INPUT_SCALE: f32 = 1.0;
    const WIDENS: bool = false;

    #[inline(always)]
    fn widen(row: &[f32; NR]) -> [f32; NR] {
        *row
    }

    #[inline(always)]
    fn as_f32(rows: &[[f32; NR]]) -> Option<&[[f32; NR]]> {
        Some(rows)
    }
}

/// `out` (rows × outputs) = `x` (rows × `k` inputs) · `panels` (+ `bias`),
/// `panels` as in [`Linear`].
#[inline(always)]
fn product<W: Weight>(
    simd: Simd,
    x: &[f32],
    k: usize,
    panels: &[[W; NR]],
    bias: Option<&[[f32; NR]]>,
    out: &mut [f32],
    packed: &mut Vec<f32>,
) {
    let fused = simd.fused;
    let n = panels.len() / k * NR;
    let rows = x.len() / k;
    debug_assert_eq!(out.len(), rows * n);
    if rows == 0 {
        return;
    }
    // Rows in blocks of at most MR, as even as can be (13 rows: 5, 4, 4, not
    // 6, 6, 1, whose last block would use a sixth of the registers).
    let blocks = rows.div_ceil(MR);
    let (base, extra) = (rows / blocks, rows % blocks);
    let block_rows = |b: usize| base + usize::from(b < extra);
    // Each block packed input-major, so that the kernel reads the values it
    // broadcasts for one input from one place.
    packed.clear();
    packed.resize(rows * k, 0.0);
    let mut first = 0;
    for b in 0..blocks {
        let r = block_rows(b);
        let dst = &mut packed[first * k..(first + r) * k];
        for (row, src) in x[first * k..(first + r) * k].chunks_exact(k).enumerate() {
            for (d, &v) in dst[row..].iter_mut().step_by(r).zip(src) {
                *d = v * W::INPUT_SCALE;
            }
        }
        first += r;
    }
    let mut acc = vec![[[0.0f32; NR]; MR]; blocks];
    let mut slab = [[0.0f32; NR]; SLAB];
    for (p, panel) in panels.chunks_exact(k).enumerate() {
        let start = bias.map_or([0.0; NR], |b| b[p]);
        for a in acc.iter_mut() {
            *a = [start; MR];
        }
        // A slab of the panel at a time for every block, rather than the
        // whole panel for one block then the next: the weights then arrive
        // from memory at an even pace the prefetcher keeps up with, instead
        // of all while the first block runs; and each is widened once, by
        // the first block, in the same loop as its multiply-adds (a pass of
        // its own took a tenth of the time).
        for s in (0..k).step_by(SLAB) {
            let end = (s + SLAB).min(k);
            let src = &panel[s..end];
            // The hardware prefetcher alone leaves the kernel waiting for
            // weights a quarter of the time: ask for them a few slabs ahead.
            let ahead = panels.get(p * k + end + PREFETCH_ROWS..).unwrap_or(&[]);
            let mut first = 0;
            for (b, a) in acc.iter_mut().enumerate() {
                let r = block_rows(b);
                let block = &packed[first * k + s * r..first * k + end * r];
                if b == 0 {
                    match r {
                        6 => micro_first::<6, W>(simd, block, src, ahead, &mut slab, a),
                        5 => micro_first::<5, W>(simd, block, src, ahead, &mut slab, a),
                        4 => micro_first::<4, W>(simd, block, src, ahead, &mut slab, a),
                        3 => micro_first::<3, W>(simd, block, src, ahead, &mut slab, a),
                        2 => micro_first::<2, W>(simd, block, src, ahead, &mut slab, a),
                        _ => micro_first::<1, W>(simd, block, src, ahead, &mut slab, a),
                    }
                } else {
                    let w = W::as_f32(src).unwrap_or(&slab[..end - s]);
                    match r {
                        6 => micro::<6>(fused, block, w, a),
                        5 => micro::<5>(fused, block, w, a),
                        4 => micro::<4>(fused, block, w, a),
                        3 => micro::<3>(fused, block, w, a),
                        2 => micro::<2>(fused, block, w, a),
                        _ => micro::<1>(fused, block, w, a),
                    }
                }
                first += r;
            }
        }
        let mut first = 0;
        for (b, a) in acc.iter().enumerate() {
            let r = block_rows(b);
            for (row, values) in a.iter().take(r).enumerate() {
                let at = (first + row) * n + p * NR;
                out[at..at + NR].copy_from_slice(values);
            }
            first += r;
        }
    }
}

/// Unit vectors (a skill index's) packed in panels of [`NR`] like a
/// [`Linear`]'s weights, as halves, so that scoring a few queries against
/// all of them reads each vector once, half the bytes of f32, in the same
/// kernel. Scores are within about 1e-3 of the f32 dot products: far finer
/// than any difference that matters between two skills.
#[derive(Debug, Clone)]
pub(crate) struct Packed {
    width: usize,
    count: usize,
    panels: Vec<[u16; NR]>,
}

impl Packed {
    /// `vectors` is `count` rows of `width`.
    pub(crate) fn new(width: usize, vectors: &[f32]) -> Self {
        let count = vectors.len() / width;
        let mut panels = vec![[0u16; NR]; count.div_ceil(NR) * width];
        for (v, row) in vectors.chunks_exact(width).enumerate() {
            let (p, j) = (v / NR, v % NR);
            for (dst, &x) in panels[p * width..(p + 1) * width].iter_mut().zip(row) {
                dst[j] = to_f16(x);
            }
        }
        Self {
            width,
            count,
            panels,
        }
    }

    /// As [`Packed::panels`] returned them; None if the length does not fit.
    pub(crate) fn from_panels(width: usize, count: usize, panels: Vec<[u16; NR]>) -> Option<Self> {
        (panels.len() == count.div_ceil(NR) * width).then_some(Self {
            width,
            count,
            panels,
        })
    }

    pub(crate) fn panels(&self) -> &[[u16; NR]] {
        &self.panels
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Dot products of each query (rows of `width` in `queries`) with every
    /// vector: one row per query of [`Packed::count`] rounded up to
    /// [`NR`] (the padding scores are 0).
    pub(crate) fn scores(&self, isa: Isa, queries: &[f32]) -> Vec<f32> {
        let rows = queries.len() / self.width;
        let n = self.count.div_ceil(NR) * NR;
        let mut out = vec![0.0; rows * n];
        isa.run(ScoresOp {
            packed: self,
            queries,
            out: &mut out,
        });
        out
    }
}

struct ScoresOp<'a> {
    packed: &'a Packed,
    queries: &'a [f32],
    out: &'a mut [f32],
}

impl Op for ScoresOp<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self, simd: Simd) {
        let Self {
            packed,
            queries,
            out,
        } = self;
        let k = packed.width;
        let n = packed.count.div_ceil(NR) * NR;
        let mut scratch = Vec::new();
        let rows = chunk_rows(k);
        for (q, o) in queries.chunks(rows * k).zip(out.chunks_mut(rows * n)) {
            product(simd, q, k, &packed.panels, None, o, &mut scratch);
        }
    }
}

/// 2¹¹²: see [`from_f16_scaled`].
const F16_UNSCALE: f32 = 5.192_297e33;

/// An f32 to IEEE half precision, rounded to nearest even; magnitudes below
/// half's smallest normal (6.1e-5) become zero, and that is all
/// [`from_f16_scaled`] needs to handle.
pub(crate) fn to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = (bits >> 16) & 0x8000;
    let abs = bits & 0x7fff_ffff;
    // Round the 13 dropped mantissa bits to nearest, ties to even, then
    // rebias the exponent (127 → 15); branch-free so that packing a model's
    // ten million weights vectorises.
    let rounded = abs.wrapping_add(0xfff + ((abs >> 13) & 1)) >> 13;
    let half = rounded.wrapping_sub(112 << 10).min(0x7bff);
    let half = if (0x3880_0000..=0x7f80_0000).contains(&abs) {
        half
    } else {
        0
    };
    (sign | half) as u16
}

/// A half from [`to_f16`] widened to f32 and divided by 2¹¹², in three
/// integer operations that vectorise without F16C: sign-extend, shift, and
/// clear the sign copies above the exponent. That leaves half's exponent
/// field where f32's is, so the value is 2¹¹² too small; the kernel
/// multiplies its inputs by 2¹¹² instead (no overflow: activations are far
/// below 2¹⁶), and the products come out right.
#[inline(always)]
fn from_f16_scaled(h: u16) -> f32 {
    f32::from_bits(((h as i16 as i32) << 13) as u32 & 0x8fff_ffff)
}

/// How far ahead of the slab being computed the weights are prefetched, in
/// panel rows (8 KiB of halves).
const PREFETCH_ROWS: usize = 256;

/// Inputs per slab (see `product`).
const SLAB: usize = 128;

/// As [`micro`], for the first block of a slab: widens the weights as it
/// goes (keeping them in `slab` for the other blocks) and prefetches
/// `ahead`, one row per row used.
#[inline(always)]
fn micro_first<const R: usize, W: Weight>(
    simd: Simd,
    block: &[f32],
    src: &[[W; NR]],
    ahead: &[[W; NR]],
    slab: &mut [[f32; NR]; SLAB],
    acc: &mut [[f32; NR]; MR],
) {
    let fused = simd.fused;
    let mut regs = [[0.0f32; NR]; R];
    regs.copy_from_slice(&acc[..R]);
    let (xs, _) = block.as_chunks::<R>();
    for (i, ((x, w), dst)) in xs.iter().zip(src).zip(slab.iter_mut()).enumerate() {
        simd.prefetch(ahead.get(i));
        let w = W::widen(w);
        if W::WIDENS {
            *dst = w;
        }
        for r in 0..R {
            for j in 0..NR {
                regs[r][j] = madd(fused, x[r], w[j], regs[r][j]);
            }
        }
    }
    acc[..R].copy_from_slice(&regs);
}

/// Adds R rows × NR columns over a stretch of the inner dimension to `acc`,
/// held in registers meanwhile.
#[inline(always)]
fn micro<const R: usize>(
    fused: bool,
    block: &[f32],
    panel: &[[f32; NR]],
    acc: &mut [[f32; NR]; MR],
) {
    let mut regs = [[0.0f32; NR]; R];
    regs.copy_from_slice(&acc[..R]);
    let (xs, _) = block.as_chunks::<R>();
    for (x, w) in xs.iter().zip(panel) {
        for r in 0..R {
            for j in 0..NR {
                regs[r][j] = madd(fused, x[r], w[j], regs[r][j]);
            }
        }
    }
    acc[..R].copy_from_slice(&regs);
}

/// LayerNorm of each row of `x` (in place), after adding `residual` when
/// given.
pub(crate) fn add_layer_norm(
    isa: Isa,
    x: &mut [f32],
    residual: Option<&[f32]>,
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
) {
    isa.run(LayerNormOp {
        x,
        residual,
        gamma,
        beta,
        eps,
    })
}

struct LayerNormOp<'a> {
    x: &'a mut [f32],
    residual: Option<&'a [f32]>,
    gamma: &'a [f32],
    beta: &'a [f32],
    eps: f32,
}

impl Op for LayerNormOp<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self, simd: Simd) {
        let fused = simd.fused;
        let Self {
            x,
            residual,
            gamma,
            beta,
            eps,
        } = self;
        let width = gamma.len();
        for (row, xr) in x.chunks_exact_mut(width).enumerate() {
            if let Some(res) = residual {
                for (a, &b) in xr.iter_mut().zip(&res[row * width..(row + 1) * width]) {
                    *a += b;
                }
            }
            let mean = sum(xr) / width as f32;
            let mut lanes = [0.0f32; 8];
            for c in xr.as_chunks::<8>().0 {
                for l in 0..8 {
                    let d = c[l] - mean;
                    lanes[l] = madd(fused, d, d, lanes[l]);
                }
            }
            let var = lanes.iter().sum::<f32>() / width as f32;
            let inv = 1.0 / (var + eps).sqrt();
            for ((v, &g), &b) in xr.iter_mut().zip(gamma).zip(beta) {
                *v = madd(fused, (*v - mean) * inv, g, b);
            }
        }
    }
}

/// A sum in eight lanes, so that it vectorises.
#[inline(always)]
fn sum(x: &[f32]) -> f32 {
    let (chunks, tail) = x.as_chunks::<8>();
    let mut lanes = [0.0f32; 8];
    for c in chunks {
        for l in 0..8 {
            lanes[l] += c[l];
        }
    }
    lanes.iter().sum::<f32>() + tail.iter().sum::<f32>()
}

/// The width of one attention head (all-MiniLM-L6-v2's 384 / 12).
pub(crate) const HEAD: usize = 32;

/// Self-attention of one sequence: `qkv` is its rows of [q | k | v], each
/// `heads * HEAD` wide, q already scaled by 1/√HEAD; `out` gets its rows of
/// the heads' outputs side by side. `scratch` is reused between calls.
pub(crate) fn attention(
    isa: Isa,
    qkv: &[f32],
    out: &mut [f32],
    heads: usize,
    scratch: &mut Vec<f32>,
) {
    isa.run(AttentionOp {
        qkv,
        out,
        heads,
        scratch,
    })
}

struct AttentionOp<'a> {
    qkv: &'a [f32],
    out: &'a mut [f32],
    heads: usize,
    scratch: &'a mut Vec<f32>,
}

impl Op for AttentionOp<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self, simd: Simd) {
        let fused = simd.fused;
        let Self {
            qkv,
            out,
            heads,
            scratch,
        } = self;
        let width = heads * HEAD;
        let len = qkv.len() / (3 * width);
        // Keys transposed per head (HEAD rows of `padded` keys), so that one
        // query's scores against eight keys are one vector operation; values
        // gathered per head into rows of their own.
        let padded = len.next_multiple_of(8);
        scratch.clear();
        scratch.resize(2 * HEAD * padded + padded, 0.0);
        let (keys, rest) = scratch.split_at_mut(HEAD * padded);
        let (values, scores) = rest.split_at_mut(HEAD * padded);
        let chunks = padded / 8;
        for h in 0..heads {
            for (j, row) in qkv.chunks_exact(3 * width).enumerate() {
                let k = &row[width + h * HEAD..width + (h + 1) * HEAD];
                for (d, &v) in k.iter().enumerate() {
                    keys[d * padded + j] = v;
                }
                values[j * HEAD..(j + 1) * HEAD]
                    .copy_from_slice(&row[2 * width + h * HEAD..2 * width + (h + 1) * HEAD]);
            }
            let (keys, _) = keys.as_chunks::<8>();
            for (i, row) in qkv.chunks_exact(3 * width).enumerate() {
                let q = &row[h * HEAD..(h + 1) * HEAD];
                // Eight keys at a time, summed over the head's width in four
                // independent parts held in registers, so that each
                // multiply-add need not wait for the one before.
                for (c, chunk) in scores.as_chunks_mut::<8>().0.iter_mut().enumerate() {
                    let mut acc = [[0.0f32; 8]; 4];
                    for (d, qs) in q.as_chunks::<4>().0.iter().enumerate() {
                        for (part, (&qd, a)) in qs.iter().zip(acc.iter_mut()).enumerate() {
                            let k = &keys[(4 * d + part) * chunks + c];
                            for l in 0..8 {
                                a[l] = madd(fused, qd, k[l], a[l]);
                            }
                        }
                    }
                    for l in 0..8 {
                        chunk[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
                    }
                }
                let mut max = [f32::NEG_INFINITY; 8];
                for c in scores[..len].as_chunks::<8>().0 {
                    for l in 0..8 {
                        max[l] = max[l].max(c[l]);
                    }
                }
                let max = scores[len / 8 * 8..len].iter().fold(
                    max.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)),
                    |a, &b| a.max(b),
                );
                for s in scores.iter_mut() {
                    *s = exp(*s - max);
                }
                // The padding keys get no weight.
                scores[len..].fill(0.0);
                let total = sum(&scores[..len]);
                // Two keys at a time into two sums, for the same reason.
                let mut even = [0.0f32; HEAD];
                let mut odd = [0.0f32; HEAD];
                let pairs = values.as_chunks::<{ 2 * HEAD }>().0;
                for (p, v) in scores.as_chunks::<2>().0.iter().zip(pairs) {
                    for d in 0..HEAD {
                        even[d] = madd(fused, p[0], v[d], even[d]);
                        odd[d] = madd(fused, p[1], v[HEAD + d], odd[d]);
                    }
                }
                let norm = 1.0 / total;
                let dst = &mut out[i * width + h * HEAD..i * width + (h + 1) * HEAD];
                for ((d, e), o) in dst.iter_mut().zip(even).zip(odd) {
                    *d = (e + o) * norm;
                }
            }
        }
    }
}

/// eˣ to within a few ulp, in operations that vectorise (a polynomial on
/// the reduced argument, then the exponent put in by hand): the library's
/// `exp` is a call per element.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Rounds to nearest without SSE4.1's `round`: adding 1.5·2²³ leaves no
    // fraction bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 88.3);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * (r * r) + r + 1.0;
    // n as an integer is in the low bits of `shifted` (whose bits are
    // ROUND's plus n): read from there, since `n as i32` (saturating) is
    // done a lane at a time. Wrapping, so that builds with overflow checks
    // still vectorise; n is within -126..=127 after the clamp.
    let biased = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127);
    e * f32::from_bits(biased << 23)
}

/// GELU in its exact form, x·Φ(x) = ½x·erfc(−x/√2), with erfc from
/// Abramowitz and Stegun 7.1.26 (error under 1.5e-7): what Hugging Face's
/// "gelu" computes, not its tanh approximation.
#[inline(always)]
pub(crate) fn gelu_erf(fused: bool, x: f32) -> f32 {
    let z = x * std::f32::consts::FRAC_1_SQRT_2;
    let a = z.abs();
    let t = 1.0 / madd(fused, 0.327_591_1, a, 1.0);
    let mut p = 1.061_405_4f32;
    p = madd(fused, p, t, -1.453_152);
    p = madd(fused, p, t, 1.421_413_8);
    p = madd(fused, p, t, -0.284_496_72);
    p = madd(fused, p, t, 0.254_829_6);
    // erfc(|z|), accurate also where it is tiny.
    let tail = p * t * exp(-a * a);
    let phi2 = if z >= 0.0 { 2.0 - tail } else { tail };
    0.5 * x * phi2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_close_to_the_library() {
        for i in -800..=800 {
            let x = i as f32 / 10.0;
            let (got, want) = (exp(x), x.exp());
            assert!(
                ((got - want) / want).abs() < 2e-7,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn gelu_matches_the_erf_form() {
        // Φ(x) from a reference erf at a few points (erf values from tables).
        for (x, want) in [
            (0.0f32, 0.0f32),
            (1.0, 0.841_344_7),
            (-1.0, -0.158_655_25),
            (2.5, 2.484_475_8),
            (-3.0, -0.004_049_69),
        ] {
            let got = gelu_erf(false, x);
            assert!((got - want).abs() < 1e-6, "gelu({x}) = {got}, want {want}");
        }
    }

    #[test]
    fn packed_vectors_score_as_dot_products() {
        let width = 8;
        let vectors: Vec<f32> = (0..37 * width)
            .map(|i| ((i * 13) % 7) as f32 - 3.0)
            .collect();
        let packed = Packed::new(width, &vectors);
        let queries: Vec<f32> = (0..3 * width).map(|i| ((i * 5) % 9) as f32 - 4.0).collect();
        for isa in [Isa::Baseline, Isa::detect()] {
            let scores = packed.scores(isa, &queries);
            assert_eq!(scores.len(), 3 * 48);
            for q in 0..3 {
                for v in 0..48 {
                    let want: f32 = if v < 37 {
                        (0..width)
                            .map(|i| queries[q * width + i] * vectors[v * width + i])
                            .sum()
                    } else {
                        0.0
                    };
                    assert_eq!(scores[q * 48 + v], want, "query {q} vector {v}");
                }
            }
        }
        let again = Packed::from_panels(width, 37, packed.panels().to_vec()).unwrap();
        assert_eq!(
            again.scores(Isa::Baseline, &queries),
            packed.scores(Isa::Baseline, &queries)
        );
        assert!(Packed::from_panels(width, 49, packed.panels().to_vec()).is_none());
    }

    #[test]
    fn half_precision_round_trips() {
        for (x, h) in [
            (1.0f32, 0x3c00u16),
            (-2.0, 0xc000),
            (0.0, 0),
            (65504.0, 0x7bff),
            (1e-6, 0),
        ] {
            assert_eq!(to_f16(x), h, "{x}");
        }
        // Rounds to nearest even.
        assert_eq!(to_f16(1.0 + 1.0 / 2048.0), 0x3c00);
        assert_eq!(to_f16(1.0 + 3.0 / 2048.0), 0x3c02);
        for i in 0..100_000 {
            let x = ((i as f32) * 0.618_034).sin() * 10f32.powi(i % 9 - 4);
            let back = from_f16_scaled(to_f16(x)) * F16_UNSCALE;
            if x.abs() >= 2f32.powi(-14) {
                assert!(((back - x) / x).abs() <= 1.0 / 2048.0, "{x} -> {back}");
            } else {
                assert_eq!(back, 0.0, "{x}");
            }
        }
    }

    #[test]
    fn linear_matches_a_plain_product() {
        let (inputs, outputs) = (7, 32);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| ((i * 7919) % 13) as f32 - 6.0)
            .collect();
        let b: Vec<f32> = (0..outputs).map(|i| i as f32 * 0.5).collect();
        let lin = Linear::new(&w, &b, outputs, inputs);
        for rows in [1, 5, 6, 7, 13, 60, 100] {
            let x: Vec<f32> = (0..rows * inputs)
                .map(|i| ((i * 31) % 11) as f32 - 5.0)
                .collect();
            for isa in [Isa::Baseline, Isa::detect()] {
                let mut out = vec![0.0; rows * outputs];
                lin.forward(isa, &x, &mut out, false, &mut Vec::new());
                for r in 0..rows {
                    for o in 0..outputs {
                        let want: f32 = b[o]
                            + (0..inputs)
                                .map(|i| x[r * inputs + i] * w[o * inputs + i])
                                .sum::<f32>();
                        assert_eq!(out[r * outputs + o], want, "row {r} output {o}");
                    }
                }
            }
        }
    }

    #[test]
    fn attention_matches_a_plain_softmax() {
        let heads = 2;
        let width = heads * HEAD;
        for len in [1, 7, 8, 13, 28] {
            let qkv: Vec<f32> = (0..len * 3 * width)
                .map(|i| (((i * 37) % 23) as f32 - 11.0) * 0.05)
                .collect();
            for isa in [Isa::Baseline, Isa::detect()] {
                let mut out = vec![0.0; len * width];
                attention(isa, &qkv, &mut out, heads, &mut Vec::new());
                let at = |row: usize, part: usize, h: usize, d: usize| {
                    qkv[row * 3 * width + part * width + h * HEAD + d]
                };
                for h in 0..heads {
                    for i in 0..len {
                        let scores: Vec<f32> = (0..len)
                            .map(|j| (0..HEAD).map(|d| at(i, 0, h, d) * at(j, 1, h, d)).sum())
                            .collect();
                        let max = scores.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                        let weights: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
                        let total: f32 = weights.iter().sum();
                        for d in 0..HEAD {
                            let want: f32 =
                                (0..len).map(|j| weights[j] * at(j, 2, h, d)).sum::<f32>() / total;
                            let got = out[i * width + h * HEAD + d];
                            assert!(
                                (got - want).abs() < 1e-5,
                                "len {len} head {h} query {i} dim {d}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }
}
