// Builds what the npm tarballs hold (scripts/package.sh node packs them):
// - the addon, compiled by cargo in the workspace's target dir with its
//   release profile, so what the other crates built, wasmtime first, is
//   reused (`napi build` would pass `--target` and build everything again
//   in a directory of its own), and linked by scripts/lib/zig-linker
//   against glibc 2.17; it goes into the platform package,
//   npm/linux-x64-gnu/, as napi-rs names it;
// (scripts/package.sh then writes the precompiled component beside it);
// - native.js, napi-rs's loader, which requires the platform package that
//   npm installed for this machine (@napi-rs/cli's writeJsBinding);
// - index.d.ts, from the declarations napi-derive emits while compiling
//   (errors.d.ts, then the generated ones), with @napi-rs/cli's generator.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { generateTypeDef, parseTriple, writeJsBinding } from '@napi-rs/cli'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const crate = 'chaosprometheus-node'
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))
const { binaryName, targets } = pkg.napi

// Only the machine's own target is built here (see the README's Install).
const hostTriple = execFileSync('rustc', ['--print', 'host-tuple'], { encoding: 'utf8' }).trim()
if (!targets.includes(hostTriple)) {
  throw new Error(`build.mjs builds for this machine (${hostTriple}), which is not in napi.targets`)
}
const { platformArchABI } = parseTriple(hostTriple)
const platformDir = join(here, 'npm', platformArchABI)

const linker = join(root, 'scripts', 'lib', 'zig-linker')
const venvPython = join(root, 'target', 'python-venv', 'bin', 'python')
try {
  execFileSync(venvPython, ['-c', 'import ziglang'], { stdio: 'ignore' })
} catch {
  throw new Error('build.mjs links with zig from target/python-venv: run scripts/setup.sh first')
}

// A fixed folder: napi-derive writes into it only when the crate compiles,
// so an up-to-date build keeps the declarations of the last one.
const typeDefs = join(root, 'target', 'napi-rs', 'typedefs')
mkdirSync(typeDefs, { recursive: true })
const env = { ...process.env, NAPI_TYPE_DEF_TMP_FOLDER: typeDefs }
if (!readdirSync(typeDefs).some((name) => name.startsWith(crate))) {
  // Compile the crate again even when cargo thinks it is fresh.
  env[`NAPI_FORCE_BUILD_${crate.replace(/-/g, '_').toUpperCase()}`] = String(Date.now())
}
const cargo = (args) => execFileSync('cargo', args, { cwd: root, env, stdio: 'inherit' })
cargo(['rustc', '--release', '--locked', '-p', crate, '--lib', '--', '-C', `linker=${linker}`])
const library = join(root, 'target', 'release', `lib${crate.replace(/-/g, '_')}.so`)
if (!existsSync(library)) throw new Error(`cargo built no ${library}`)
copyFileSync(library, join(platformDir, `${binaryName}.${platformArchABI}.node`))

const { dts, exports } = await generateTypeDef({
  typeDefDir: typeDefs,
  cwd: here,
  configDtsHeaderFile: 'errors.d.ts',
})
writeFileSync(join(here, 'index.d.ts'), dts)
await writeJsBinding({
  platform: true,
  idents: exports,
  jsBinding: 'native.js',
  binaryName,
  packageName: pkg.name,
  version: pkg.version,
  outputDir: here,
})
console.log(`node package: built npm/${platformArchABI}/ (the addon), native.js, index.d.ts`)
