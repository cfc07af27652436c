//! The linker of a component: the WASI 0.2 and `wasi:http` interfaces it
//! imports, and no others. Linking all of WASI (files and sockets
//! included, which our component does not import) cost each process more
//! than the call itself; what is not linked cannot be reached either.

use wasmtime::component::{Component, HasData, Linker, Resource, ResourceTable};
use wasmtime::{Engine, StoreContextMut};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, io, random, sockets};
use wasmtime_wasi::p2::IoError;
use wasmtime_wasi::random::WasiRandom;
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};
use wasmtime_wasi::WasiView;
use wasmtime_wasi_http::p2::bindings::http;
use wasmtime_wasi_http::{WasiHttp, WasiHttpView};

use super::CallState;
use crate::policy;

/// The linker for `component`: each interface it imports that the host
/// gives (by name, any `0.2` version). An import the host does not give is
/// left out, and `instantiate_pre` names it.
pub(super) fn for_component(
    engine: &Engine,
    component: &Component,
) -> wasmtime::Result<Linker<CallState>> {
    let mut linker = Linker::new(engine);
    let mut linked: Vec<&str> = Vec::new();
    for (import, _) in component.component_type().imports(engine) {
        let name = import.split_once('@').map_or(import, |(name, _)| name);
        if let Some((name, add)) = INTERFACES.iter().find(|(known, _)| *known == name) {
            if !linked.contains(name) {
                add(&mut linker)?;
                linked.push(name);
            }
        }
    }
    Ok(linker)
}

type AddToLinker = fn(&mut Linker<CallState>) -> wasmtime::Result<()>;

/// Every interface the host gives, by name, and how it is linked: all of
/// WASI 0.2 as wasmtime implements it, with the empty context of
/// [`CallState`], and `wasi:http` through the policy hooks.
const INTERFACES: &[(&str, AddToLinker)] = &[
    ("wasi:io/error", |l| {
        io::error::add_to_linker::<_, Io>(l, table)
    }),
    ("wasi:io/poll", |l| {
        io::poll::add_to_linker::<_, Io>(l, table)
    }),
    ("wasi:io/streams", |l| {
        io::streams::add_to_linker::<_, Io>(l, table)
    }),
    ("wasi:clocks/wall-clock", |l| {
        clocks::wall_clock::add_to_linker::<_, WasiClocks>(l, CallState::clocks)
    }),
    ("wasi:clocks/monotonic-clock", |l| {
        clocks::monotonic_clock::add_to_linker::<_, WasiClocks>(l, CallState::clocks)
    }),
    ("wasi:random/random", |l| {
        random::random::add_to_linker::<_, WasiRandom>(l, random_ctx)
    }),
    ("wasi:random/insecure", |l| {
        random::insecure::add_to_linker::<_, WasiRandom>(l, random_ctx)
    }),
    ("wasi:random/insecure-seed", |l| {
        random::insecure_seed::add_to_linker::<_, WasiRandom>(l, random_ctx)
    }),
    ("wasi:cli/exit", |l| {
        cli::exit::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/environment", |l| {
        cli::environment::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/stdin", |l| {
        cli::stdin::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/stdout", |l| {
        cli::stdout::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/stderr", |l| {
        cli::stderr::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/terminal-input", |l| {
        cli::terminal_input::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/terminal-output", |l| {
        cli::terminal_output::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/terminal-stdin", |l| {
        cli::terminal_stdin::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/terminal-stdout", |l| {
        cli::terminal_stdout::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:cli/terminal-stderr", |l| {
        cli::terminal_stderr::add_to_linker::<_, WasiCli>(l, CallState::cli)
    }),
    ("wasi:filesystem/types", |l| {
        filesystem::types::add_to_linker::<_, WasiFilesystem>(l, CallState::filesystem)
    }),
    ("wasi:filesystem/preopens", |l| {
        filesystem::preopens::add_to_linker::<_, WasiFilesystem>(l, CallState::filesystem)
    }),
    ("wasi:sockets/network", |l| {
        let options = wasmtime_wasi::p2::bindings::LinkOptions::default();
        sockets::network::add_to_linker::<_, WasiSockets>(l, &(&options).into(), CallState::sockets)
    }),
    ("wasi:sockets/instance-network", |l| {
        sockets::instance_network::add_to_linker::<_, WasiSockets>(l, CallState::sockets)
    }),
    ("wasi:sockets/tcp", |l| {
        sockets::tcp::add_to_linker::<_, WasiSockets>(l, CallState::sockets)
    }),
    ("wasi:sockets/tcp-create-socket", |l| {
        sockets::tcp_create_socket::add_to_linker::<_, WasiSockets>(l, CallState::sockets)
    }),
    ("wasi:sockets/udp", |l| {
        sockets::udp::add_to_linker::<_, WasiSockets>(l, CallState::sockets)
    }),
    ("wasi:sockets/udp-create-socket", |l| {
        sockets::udp_create_socket::add_to_linker::<_, WasiSockets>(l, CallState::sockets)
    }),
    ("wasi:sockets/ip-name-lookup", |l| {
        sockets::ip_name_lookup::add_to_linker::<_, WasiSockets>(l, CallState::sockets)
    }),
    ("wasi:http/outgoing-handler", |l| {
        http::outgoing_handler::add_to_linker::<_, WasiHttp>(l, CallState::http)
    }),
    ("wasi:http/types", |l| {
        let options = wasmtime_wasi_http::p2::bindings::LinkOptions::default();
        http::types::add_to_linker::<_, WasiHttp>(l, &options.into(), CallState::http)?;
        link_http_error_code(l)
    }),
];

/// `wasi:io` works on the resource table alone.
struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

fn table(state: &mut CallState) -> &mut ResourceTable {
    &mut state.table
}

fn random_ctx(state: &mut CallState) -> &mut wasmtime_wasi::random::WasiRandomCtx {
    state.ctx().ctx.random()
}

/// The `wasi:http/types` instance wasmtime-wasi-http 48 links (the version of
/// its WIT); a guest built against any `0.2.x` is matched to it.
const WASI_HTTP_TYPES: &str = "wasi:http/types@0.2.12";

/// Links [`policy::http_error_code`] in place of wasmtime-wasi-http's
/// `http-error-code`, so a failed read of a response body comes to the
/// guest as an error code (a between-bytes timeout as
/// `connection-read-timeout`) instead of text only; see that function for
/// why wasmtime's own gives none. That wasmtime's is linked under this very
/// name, so that ours replaces it, is checked by a test
/// (`wasmtime_links_the_http_error_code_we_replace`), not per process.
fn link_http_error_code(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    let http_error_code = |store: StoreContextMut<'_, CallState>,
                           (error,): (Resource<IoError>,)| {
        let error = store.data().table.get(&error)?;
        Ok((policy::http_error_code(error),))
    };
    linker.allow_shadowing(true);
    linker
        .instance(WASI_HTTP_TYPES)?
        .func_wrap("http-error-code", http_error_code)?;
    linker.allow_shadowing(false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmtime_links_the_http_error_code_we_replace() {
        let engine = Engine::default();
        let mut linker = Linker::<CallState>::new(&engine);
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
        // Refused without shadowing: wasmtime's is there under this name.
        // Were it accepted, its WIT version has moved on and guests would
        // still be given wasmtime's function: update WASI_HTTP_TYPES.
        let defined = linker
            .instance(WASI_HTTP_TYPES)
            .unwrap()
            .func_wrap("http-error-code", |_, (): ()| Ok(()));
        assert!(
            defined.is_err(),
            "wasmtime-wasi-http no longer links {WASI_HTTP_TYPES}"
        );
    }

    /// The version of WASI 0.2 wasmtime 48 links.
    const LINKED_VERSION: &str = "0.2.12";

    /// Whether `linker` defines `name` (at the version wasmtime links): a
    /// function cannot be defined under a name already taken.
    fn defines(linker: &mut Linker<CallState>, name: &str) -> bool {
        let name = format!("{name}@{LINKED_VERSION}");
        linker.root().func_wrap(&name, |_, (): ()| Ok(())).is_err()
    }

    /// A component that imports `name` as an instance it uses nothing of.
    fn importing(engine: &Engine, name: &str) -> Component {
        let mut imports = vec![1, 0x00, u8::try_from(name.len()).unwrap()];
        imports.extend_from_slice(name.as_bytes());
        // An instance of type 0.
        imports.extend_from_slice(&[0x05, 0]);
        let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
        // Type 0: the instance type that exports nothing.
        bytes.extend_from_slice(&[7, 3, 1, 0x42, 0]);
        bytes.extend_from_slice(&[10, u8::try_from(imports.len()).unwrap()]);
        bytes.extend(imports);
        Component::new(engine, bytes).unwrap()
    }

    #[test]
    fn each_interface_is_linked_under_its_name() {
        let engine = Engine::default();
        for (name, add) in INTERFACES {
            assert!(!defines(&mut Linker::new(&engine), name), "{name}");
            let mut linker = Linker::new(&engine);
            add(&mut linker).unwrap();
            assert!(defines(&mut linker, name), "{name}");
        }
    }

    #[test]
    fn only_what_a_component_imports_is_linked() {
        let engine = Engine::default();
        let component = importing(&engine, &format!("wasi:cli/exit@{LINKED_VERSION}"));
        let mut linker = for_component(&engine, &component).unwrap();
        linker.instantiate_pre(&component).unwrap();
        assert!(defines(&mut linker, "wasi:cli/exit"));
        for (name, _) in INTERFACES
            .iter()
            .filter(|(name, _)| *name != "wasi:cli/exit")
        {
            assert!(!defines(&mut linker, name), "{name}");
        }
        // Any 0.2 version of an interface is given wasmtime's.
        let older = importing(&engine, "wasi:cli/environment@0.2.0");
        assert!(defines(
            &mut for_component(&engine, &older).unwrap(),
            "wasi:cli/environment"
        ));
    }
}
