// mapcheck builds many small trees (parsed contracts, models, findings) and frees them all at
// once; mimalloc's thread-local free lists are markedly faster than the system allocator here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mapcheck::contain::quiet_contained_panics();
    mapcheck::cli::run()
}
