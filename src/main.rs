fn main() -> std::process::ExitCode {
    mapcheck::cli::run()
}
