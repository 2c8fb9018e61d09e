//! The wgpu backend: one device and five compute pipelines per `ImagePipeline`, and the
//! resampling of a chunk of decoded images (every size and the placeholder of each) in one
//! upload, one submission and one readback.
//!
//! **Invariant:** every wgpu error surfaces as `Err(String)` from this module (error scopes,
//! the device-lost callback, a missing map callback, a panic inside wgpu); the caller then
//! resamples on the CPU. Nothing here decides about images: it only moves and filters pixels.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use wgpu::util::DeviceExt;

use crate::PipelineSettings;
use crate::filter;
use crate::pixels::Pixels;
use crate::plan::Plan;

/// The native compute APIs; OpenGL is not compiled in (no compute on many drivers, slow setup).
const BACKENDS: wgpu::Backends = wgpu::Backends::VULKAN.union(wgpu::Backends::METAL).union(wgpu::Backends::DX12);
const GROUP: u32 = 16;
const MAX_GROUPS: u32 = 65_535;
/// Bytes per intermediate pixel: premultiplied RGBA in f32 (float path), 8-bit RGB in a word
/// (8-bit path).
const FLOAT_ROW_PIXEL: u64 = 16;
const FIXED_ROW_PIXEL: u64 = 4;

/// The GPU state of one `ImagePipeline`: the adapter found at creation (`On`) or at the first
/// large batch (`Auto`), the device created on first use.
pub(crate) enum Slot {
    Disabled,
    /// `Auto` before its first batch large enough for the GPU: most builds never look for one.
    Unprobed,
    NoAdapter(String),
    Adapter(Box<wgpu::Adapter>),
    Ready(Arc<Context>),
    Failed(String),
}

impl Slot {
    /// Looks for an adapter; CPU-type adapters (lavapipe, llvmpipe, WARP) only with `allow_cpu`.
    pub fn probe(allow_cpu: bool) -> Self {
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = BACKENDS;
        // Validation layers are for debugging wgpu itself; without them installed they only warn.
        descriptor.flags = wgpu::InstanceFlags::empty();
        let instance = wgpu::Instance::new(descriptor);
        let adapters = pollster::block_on(instance.enumerate_adapters(BACKENDS));
        let rank = |info: &wgpu::AdapterInfo| match info.device_type {
            wgpu::DeviceType::DiscreteGpu => 0,
            wgpu::DeviceType::IntegratedGpu => 1,
            wgpu::DeviceType::VirtualGpu => 2,
            wgpu::DeviceType::Other => 3,
            wgpu::DeviceType::Cpu => 4,
        };
        let found = adapters.len();
        let best = adapters
            .into_iter()
            .filter(|a| allow_cpu || a.get_info().device_type != wgpu::DeviceType::Cpu)
            .filter(|a| a.get_downlevel_capabilities().flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS))
            .min_by_key(|a| rank(&a.get_info()));
        match best {
            Some(adapter) => Self::Adapter(Box::new(adapter)),
            None if found == 0 => Self::NoAdapter("no GPU adapter found".into()),
            None => Self::NoAdapter(format!("no usable GPU adapter ({found} CPU-only or without compute shaders)")),
        }
    }

    /// The adapter as shown to people: `NVIDIA H100 80GB HBM3, Vulkan`.
    pub fn describe(&self) -> String {
        let info = match self {
            Self::Adapter(adapter) => adapter.get_info(),
            Self::Ready(context) => context.info.clone(),
            _ => return String::new(),
        };
        let cpu = if info.device_type == wgpu::DeviceType::Cpu { ", a CPU adapter" } else { "" };
        format!("{}, {:?}{cpu}", info.name, info.backend)
    }

    /// The device, created on the first call; `Ok(None)` when there is none to use.
    pub fn context(&mut self, settings: &PipelineSettings) -> Result<Option<Arc<Context>>, String> {
        if let Self::Unprobed = self {
            *self = Self::probe(false);
        }
        match self {
            Self::Adapter(adapter) => {
                let context = Arc::new(Context::new(adapter, settings).map_err(|e| one_line(&e))?);
                *self = Self::Ready(context.clone());
                Ok(Some(context))
            }
            Self::Ready(context) => Ok(Some(context.clone())),
            _ => Ok(None),
        }
    }
}

/// The parameters of one job, as `struct Job` in the shader.
#[repr(C)]
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct Job {
    src_offset: u32,
    src_width: u32,
    src_height: u32,
    channels: u32,
    dst_width: u32,
    dst_height: u32,
    dst_offset: u32,
    blur_offset: u32,
    h_bounds: u32,
    h_weights: u32,
    h_window: u32,
    h_precision: u32,
    v_bounds: u32,
    v_weights: u32,
    v_window: u32,
    v_precision: u32,
}

/// What a chunk needs on the device, from the header alone (sources counted as RGBA).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Footprint {
    pub source: u64,
    /// The largest intermediate of one job: jobs run one after the other and share it.
    pub rows: u64,
    pub output: u64,
}

impl Footprint {
    /// Before decoding, the path (8-bit or float) is unknown: counts the larger intermediate.
    pub fn of(width: u32, height: u32, plan: &Plan) -> Self {
        let (w, h) = (u64::from(width), u64::from(height));
        let jobs = plan.sizes.iter().filter(|&&size| size != (width, height)).chain([&plan.placeholder]);
        let mut footprint = Self { source: w * h * 4, ..Self::default() };
        for &(dw, dh) in jobs {
            let rows = (u64::from(dw) * h * FLOAT_ROW_PIXEL).max(w * u64::from(dh) * FIXED_ROW_PIXEL);
            footprint.rows = footprint.rows.max(rows);
            footprint.output += u64::from(dw) * u64::from(dh) * 4;
        }
        let (pw, ph) = plan.placeholder;
        footprint.output += u64::from(pw) * u64::from(ph) * 4;
        footprint
    }

    pub fn add(self, other: Self) -> Self {
        Self { source: self.source + other.source, rows: self.rows.max(other.rows), output: self.output + other.output }
    }

    /// Device memory, the readback copy of the outputs included.
    pub fn total(&self) -> u64 {
        self.source + self.rows + 2 * self.output
    }
}

/// The results of one image: its sizes (`None` where the size is the image's own) and the
/// blurred placeholder.
pub(crate) struct Output {
    pub sizes: Vec<Option<Pixels>>,
    pub placeholder: Pixels,
}

/// A device with the five pipelines, reused for every chunk of every batch.
pub(crate) struct Context {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    layout: wgpu::BindGroupLayout,
    vertical_fixed: wgpu::ComputePipeline,
    horizontal_fixed: wgpu::ComputePipeline,
    horizontal_float: wgpu::ComputePipeline,
    vertical_float: wgpu::ComputePipeline,
    blur: wgpu::ComputePipeline,
    /// Per buffer: the smaller of the largest buffer and the largest storage binding.
    max_buffer: u64,
    uniform_stride: u64,
    budget: u64,
    /// Why the device was lost or an error escaped the error scopes, once that happened.
    broken: Arc<Mutex<Option<String>>>,
    submissions: AtomicUsize,
    lose_after: Option<usize>,
    times: Mutex<StageTimes>,
    /// Copies into and out of mapped memory: threads of their own, so that the device never
    /// waits behind the encoding tasks queued in rayon's global pool.
    copies: rayon::ThreadPool,
}

/// Where the submissions' time went, summed; read by the benchmark (feature `bench`).
#[derive(Debug, Default, Clone, Copy)]
#[cfg_attr(not(feature = "bench"), allow(dead_code))]
pub(crate) struct StageTimes {
    pub submissions: usize,
    /// Weights and offsets on the CPU.
    pub prepare: Duration,
    /// Buffers created, sources copied into their mapping.
    pub upload: Duration,
    /// Passes recorded and submitted.
    pub record: Duration,
    /// From the submission to the results mapped: transfers and kernels.
    pub device: Duration,
    /// Results copied out of the mapping.
    pub readback: Duration,
}

impl Context {
    fn new(adapter: &wgpu::Adapter, settings: &PipelineSettings) -> Result<Self, String> {
        let limits = adapter.limits();
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("eghact-gpu"),
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let copies = rayon::ThreadPoolBuilder::new()
            .num_threads((cores / 4).clamp(1, 4))
            .thread_name(|i| format!("eghact-gpu-copy-{i}"))
            .build()
            .map_err(|e| e.to_string())?;
        let (device, queue) = pollster::block_on(adapter.request_device(&descriptor)).map_err(|e| one_line(&e))?;
        let broken = Arc::new(Mutex::new(None));
        let record = broken.clone();
        device.set_device_lost_callback(move |reason, message| {
            record.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(format!("device lost ({reason:?}): {message}"));
        });
        let record = broken.clone();
        device.on_uncaptured_error(Arc::new(move |error| {
            record.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(error.to_string());
        }));
        let scopes = Scopes::push(&device);
        let module = device.create_shader_module(wgpu::include_wgsl!("shaders/resample.wgsl"));
        let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("resample"),
            entries: &[
                storage(0, true),
                storage(1, false),
                storage(2, false),
                storage(3, true),
                storage(4, true),
                wgpu::BindGroupLayoutEntry {
                    binding: 5,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: true,
                        min_binding_size: NonZeroU64::new(size_of::<Job>() as u64),
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("resample"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let [vertical_fixed, horizontal_fixed, horizontal_float, vertical_float, blur] =
            ["vertical_fixed", "horizontal_fixed", "horizontal_float", "vertical_float", "blur"].map(pipeline);
        scopes.pop()?;
        // The shaders address bytes with u32.
        let max_buffer = limits.max_buffer_size.min(limits.max_storage_buffer_binding_size).min(u64::from(u32::MAX));
        Ok(Self {
            info: adapter.get_info(),
            device,
            queue,
            layout,
            vertical_fixed,
            horizontal_fixed,
            horizontal_float,
            vertical_float,
            blur,
            max_buffer,
            uniform_stride: u64::from(limits.min_uniform_buffer_offset_alignment).max(size_of::<Job>() as u64),
            budget: settings.gpu_memory_budget,
            broken,
            submissions: AtomicUsize::new(0),
            lose_after: settings.simulate_device_loss_after,
            times: Mutex::new(StageTimes::default()),
            copies,
        })
    }

    /// Whether a chunk with this footprint can be submitted at once.
    pub fn fits(&self, footprint: &Footprint) -> bool {
        let per_buffer = footprint.source.max(footprint.rows).max(footprint.output);
        per_buffer <= self.max_buffer && footprint.total() <= self.budget
    }

    /// Whether one image could ever be resampled here (otherwise it goes to the CPU).
    pub fn fits_alone(&self, footprint: &Footprint) -> bool {
        footprint.source.max(footprint.rows).max(footprint.output) <= self.max_buffer
    }

    /// Resamples every image to every size of its plan and blurs its placeholder.
    pub fn resample(&self, images: &[(&Pixels, &Plan)]) -> Result<Vec<Output>, String> {
        // wgpu reports some misuse by panicking; a panic must not take the build down.
        let result = catch_unwind(AssertUnwindSafe(|| self.run(images)))
            .unwrap_or_else(|panic| Err(format!("wgpu panicked: {}", crate::decode::panic_message(&*panic))));
        match self.broken.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            Some(why) => Err(one_line(&why)),
            None => result.map_err(|why| one_line(&why)),
        }
    }

    fn run(&self, images: &[(&Pixels, &Plan)]) -> Result<Vec<Output>, String> {
        let started = Instant::now();
        let layout = Layout::new(images);
        let prepared = Instant::now();
        let submitted = self.submissions.fetch_add(1, Ordering::Relaxed);
        if self.lose_after.is_some_and(|after| submitted >= after) {
            self.device.destroy();
        }
        let scopes = Scopes::push(&self.device);
        let device = &self.device;
        let source = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sources"),
            size: layout.source_bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: true,
        });
        // One view of the mapping per image, copied on every core.
        self.copies.install(|| {
            images.par_iter().zip(&layout.source_offsets).try_for_each(|((pixels, _), &offset)| {
                let size = (pixels.data.len() as u64).next_multiple_of(4);
                let mut view = source.get_mapped_range_mut(offset..offset + size).map_err(|e| e.to_string())?;
                view.slice(..pixels.data.len()).copy_from_slice(&pixels.data);
                Ok::<_, String>(())
            })
        })?;
        source.unmap();
        let uploaded = Instant::now();
        let storage = |label, contents: &[u8]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let weights = storage("weights", bytemuck::cast_slice(&layout.weights));
        let bounds = storage("bounds", bytemuck::cast_slice(&layout.bounds));
        let mut uniforms = vec![0u8; (layout.jobs.len() as u64 * self.uniform_stride) as usize];
        for (job, slot) in layout.jobs.iter().zip(uniforms.chunks_exact_mut(self.uniform_stride as usize)) {
            slot[..size_of::<Job>()].copy_from_slice(bytemuck::bytes_of(&job.params));
        }
        let uniforms = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("jobs"),
            contents: &uniforms,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let rows = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("rows"),
            size: layout.row_bytes.max(16),
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let output_bytes = layout.output_words.max(1) * 4;
        let output = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("outputs"),
            size: output_bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: output_bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("resample"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: source.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: rows.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: output.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: weights.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 4, resource: bounds.as_entire_binding() },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &uniforms,
                        offset: 0,
                        size: NonZeroU64::new(size_of::<Job>() as u64),
                    }),
                },
            ],
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("resample") });
        {
            let mut pass =
                encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("resample"), timestamp_writes: None });
            for (index, job) in layout.jobs.iter().enumerate() {
                pass.set_bind_group(0, &bind_group, &[(index as u64 * self.uniform_stride) as u32]);
                let p = &job.params;
                let passes: &[(&wgpu::ComputePipeline, u32, u32)] = match job.kind {
                    // The grid of each pass is the size of what it writes.
                    JobKind::Resample if p.channels == 3 => {
                        &[(&self.vertical_fixed, p.src_width, p.dst_height), (&self.horizontal_fixed, p.dst_width, p.dst_height)]
                    }
                    JobKind::Resample => {
                        &[(&self.horizontal_float, p.dst_width, p.src_height), (&self.vertical_float, p.dst_width, p.dst_height)]
                    }
                    JobKind::Blur => &[(&self.blur, p.dst_width, p.dst_height)],
                };
                for &(pipeline, width, height) in passes {
                    pass.set_pipeline(pipeline);
                    pass.dispatch_workgroups(groups(width), groups(height), 1);
                }
            }
        }
        encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, output_bytes);
        self.queue.submit([encoder.finish()]);
        scopes.pop()?;
        let submitted_at = Instant::now();

        let (sender, receiver) = mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, .., move |result| drop(sender.send(result)));
        self.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| e.to_string())?;
        match receiver.try_recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("reading the results back failed: {e}")),
            Err(_) => return Err("the device never finished reading the results back".into()),
        }
        let done = Instant::now();
        let view = readback.get_mapped_range(..).map_err(|e| e.to_string())?;
        let words: &[u8] = &view;
        let word = |offset: u64, pixels: u64| &words[(offset * 4) as usize..((offset + pixels) * 4) as usize];
        let outputs = self.copies.install(|| {
            images
                .par_iter()
                .zip(&layout.placements)
                .map(|((source, _), placement)| Output {
                    sizes: placement
                        .sizes
                        .iter()
                        .map(|size| {
                            size.map(|(offset, w, h)| {
                                Pixels::from_rgba_words(w, h, source.channels, word(offset, u64::from(w) * u64::from(h)))
                            })
                        })
                        .collect(),
                    placeholder: {
                        let (offset, w, h) = placement.placeholder;
                        Pixels::from_rgba_words(w, h, source.channels, word(offset, u64::from(w) * u64::from(h)))
                    },
                })
                .collect()
        });
        drop(view);
        readback.unmap();
        let mut times = self.times.lock().unwrap_or_else(PoisonError::into_inner);
        times.submissions += 1;
        times.prepare += prepared - started;
        times.upload += uploaded - prepared;
        times.record += submitted_at - uploaded;
        times.device += done - submitted_at;
        times.readback += done.elapsed();
        Ok(outputs)
    }

    /// Where the time of every submission so far went.
    #[cfg(feature = "bench")]
    pub fn stage_times(&self) -> StageTimes {
        *self.times.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// wgpu's messages span several indented lines; warnings are one line each.
fn one_line(message: &dyn std::fmt::Display) -> String {
    message.to_string().split('\n').map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ")
}

fn groups(items: u32) -> u32 {
    items.div_ceil(GROUP).clamp(1, MAX_GROUPS)
}

/// The three error scopes around a piece of device work. wgpu requires them popped in reverse
/// order, also when an early return drops them.
struct Scopes(Vec<wgpu::ErrorScopeGuard>);

impl Scopes {
    fn push(device: &wgpu::Device) -> Self {
        Self(vec![
            device.push_error_scope(wgpu::ErrorFilter::OutOfMemory),
            device.push_error_scope(wgpu::ErrorFilter::Internal),
            device.push_error_scope(wgpu::ErrorFilter::Validation),
        ])
    }

    /// The first error any scope caught.
    fn pop(mut self) -> Result<(), String> {
        let mut first = None;
        while let Some(scope) = self.0.pop() {
            if let Some(error) = pollster::block_on(scope.pop()) {
                first.get_or_insert(error.to_string());
            }
        }
        first.map_or(Ok(()), Err)
    }
}

impl Drop for Scopes {
    fn drop(&mut self) {
        while let Some(scope) = self.0.pop() {
            drop(scope);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JobKind {
    Resample,
    Blur,
}

struct PlannedJob {
    kind: JobKind,
    params: Job,
}

/// One pass's bounds, weights (f32 or i32 bits), window and fixed-point precision.
type PassWeights = (Vec<[u32; 2]>, Vec<u32>, u32, u32);

/// One axis of a resampling: `from` pixels to `to`, in fixed point or f32.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Pass {
    from: u32,
    to: u32,
    fixed: bool,
}

/// Where one image's results land in the output buffer: (word offset, width, height).
struct Placement {
    sizes: Vec<Option<(u64, u32, u32)>>,
    placeholder: (u64, u32, u32),
}

/// Offsets of every input, weight and output of a chunk in the device buffers.
struct Layout {
    source_bytes: u64,
    source_offsets: Vec<u64>,
    row_bytes: u64,
    output_words: u64,
    /// f32 or i32 bits, as the job's path reads them.
    weights: Vec<u32>,
    bounds: Vec<[u32; 2]>,
    /// Where each distinct pass's weights are: bounds, weights, window, fixed-point precision.
    passes: HashMap<Pass, [u32; 4]>,
    jobs: Vec<PlannedJob>,
    placements: Vec<Placement>,
}

impl Layout {
    fn new(images: &[(&Pixels, &Plan)]) -> Self {
        let mut layout = Self {
            source_bytes: 0,
            source_offsets: Vec::with_capacity(images.len()),
            row_bytes: 0,
            output_words: 0,
            weights: Vec::new(),
            bounds: Vec::new(),
            passes: HashMap::new(),
            jobs: Vec::new(),
            placements: Vec::with_capacity(images.len()),
        };
        layout.add_passes(images);
        for &(pixels, plan) in images {
            let offset = layout.source_bytes;
            layout.source_offsets.push(offset);
            // Views of a mapping start at multiples of 8 (`wgpu::MAP_ALIGNMENT`).
            layout.source_bytes += (pixels.data.len() as u64).next_multiple_of(wgpu::MAP_ALIGNMENT);
            let source = Job {
                src_offset: offset as u32,
                src_width: pixels.width,
                src_height: pixels.height,
                channels: pixels.channels as u32,
                ..Job::default()
            };
            let sizes = plan
                .sizes
                .iter()
                .map(|&size| (size != (pixels.width, pixels.height)).then(|| layout.resample(source, size)))
                .collect();
            let resampled = layout.resample(source, plan.placeholder);
            let (_, width, height) = resampled;
            let blurred = layout.output(width, height);
            layout.jobs.push(PlannedJob {
                kind: JobKind::Blur,
                params: Job {
                    dst_width: width,
                    dst_height: height,
                    dst_offset: blurred as u32,
                    blur_offset: resampled.0 as u32,
                    ..source
                },
            });
            layout.placements.push(Placement { sizes, placeholder: (blurred, width, height) });
        }
        layout
    }

    /// The weights of every pass of the chunk, each distinct one once, computed on every core
    /// (the sines of a 4000-to-16 placeholder alone are 48,000).
    fn add_passes(&mut self, images: &[(&Pixels, &Plan)]) {
        let mut needed: Vec<Pass> = images
            .iter()
            .flat_map(|&(pixels, plan)| {
                let fixed = pixels.channels == 3;
                plan.sizes.iter().chain([&plan.placeholder]).flat_map(move |&(w, h)| {
                    [Pass { from: pixels.width, to: w, fixed }, Pass { from: pixels.height, to: h, fixed }]
                })
            })
            .collect();
        needed.sort_unstable();
        needed.dedup();
        let computed: Vec<PassWeights> = needed
            .par_iter()
            .map(|pass| {
                let coefficients = filter::lanczos3(pass.from, pass.to);
                let (precision, weights) = if pass.fixed {
                    let (precision, values) = coefficients.to_fixed();
                    (precision, values.into_iter().map(|w| w as u32).collect())
                } else {
                    (0, coefficients.to_f32().into_iter().map(f32::to_bits).collect())
                };
                (coefficients.bounds, weights, coefficients.window, precision)
            })
            .collect();
        for (pass, (bounds, weights, window, precision)) in needed.into_iter().zip(computed) {
            self.passes.insert(pass, [self.bounds.len() as u32, self.weights.len() as u32, window, precision]);
            self.bounds.extend(bounds);
            self.weights.extend(weights);
        }
    }

    /// Adds a job resampling `source` to `size`; returns where its output lands.
    fn resample(&mut self, source: Job, (width, height): (u32, u32)) -> (u64, u32, u32) {
        let fixed = source.channels == 3;
        let pass = |from, to| self.passes.get(&Pass { from, to, fixed }).copied().unwrap_or_default();
        let [h_bounds, h_weights, h_window, h_precision] = pass(source.src_width, width);
        let [v_bounds, v_weights, v_window, v_precision] = pass(source.src_height, height);
        let offset = self.output(width, height);
        let rows = if fixed {
            u64::from(source.src_width) * u64::from(height) * FIXED_ROW_PIXEL
        } else {
            u64::from(width) * u64::from(source.src_height) * FLOAT_ROW_PIXEL
        };
        self.row_bytes = self.row_bytes.max(rows);
        self.jobs.push(PlannedJob {
            kind: JobKind::Resample,
            params: Job {
                dst_width: width,
                dst_height: height,
                dst_offset: offset as u32,
                h_bounds,
                h_weights,
                h_window,
                h_precision,
                v_bounds,
                v_weights,
                v_window,
                v_precision,
                ..source
            },
        });
        (offset, width, height)
    }

    fn output(&mut self, width: u32, height: u32) -> u64 {
        let offset = self.output_words;
        self.output_words += u64::from(width) * u64::from(height);
        offset
    }
}
