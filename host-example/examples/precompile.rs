//! `cargo run --release -p chaosprometheus-host --example precompile -- DIR`:
//! writes the embedded component compiled ahead of time for any CPU of this
//! build's architecture into DIR, for a package to ship beside its native
//! library (scripts/package.sh runs it for the wheel and the npm package).

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: precompile DIR");
        return std::process::ExitCode::from(2);
    };
    match chaosprometheus_host::precompiled::write(std::path::Path::new(&dir)) {
        Ok(path) => {
            println!("{}", path.display());
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("precompile: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
