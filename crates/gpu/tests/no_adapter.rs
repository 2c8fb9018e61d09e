//! `--gpu on` on a machine without any Vulkan driver: the pipeline still works, on the CPU,
//! with a warning. A test binary of its own: the Vulkan loader reads its environment once, and
//! this one hides every driver before anything else in the process touches Vulkan.

mod common;

use common::*;
use eghact_gpu::{Backend, ImageOptions, ImagePipeline, PipelineSettings};

#[test]
fn no_adapter_means_the_cpu_with_a_warning_and_the_same_results() {
    // SAFETY: the only test of this binary, run before any other thread exists.
    unsafe {
        std::env::set_var("VK_DRIVER_FILES", "/nonexistent/icd.json");
        std::env::set_var("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    }
    let settings = PipelineSettings { allow_cpu_adapter: true, ..PipelineSettings::default() };
    let pipeline = ImagePipeline::with_settings(Backend::On, settings);
    assert_eq!(pipeline.backend_name(), "cpu (no GPU adapter found)");
    let warnings = pipeline.take_warnings();
    assert_eq!(warnings, vec!["--gpu on: no GPU adapter found; images are processed on the CPU".to_string()]);

    let set = [png(&alpha(300, 200)), jpeg(&photo(800, 600, 4))];
    let inputs: Vec<&[u8]> = set.iter().map(Vec::as_slice).collect();
    let results = pipeline.process(&inputs, &ImageOptions::default());
    assert_eq!(results, ImagePipeline::new(Backend::Off).process(&inputs, &ImageOptions::default()));
    assert!(pipeline.take_warnings().is_empty(), "warned once, at creation");
}
