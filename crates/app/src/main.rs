fn main() -> std::process::ExitCode {
    gongzhi_app::cli::main()
}
