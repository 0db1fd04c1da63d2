// glibc's malloc took a seventh of the server's time under intake load
// (its arenas shared by the runtime's threads, frees consolidated in
// line); mimalloc keeps per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    liandong::cli::main()
}
