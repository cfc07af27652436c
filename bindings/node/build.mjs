// Builds the addon with cargo in the workspace's target dir and release
// profile (what `cargo build --release` and the other crates built, wasmtime
// first, is reused: `napi build` would pass `--target` and build everything
// again in a directory of its own), copies it to chaosprometheus.node, and
// writes index.d.ts from the declarations napi-derive emits while compiling
// (errors.d.ts, then the generated ones), with @napi-rs/cli's generator.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { generateTypeDef } from '@napi-rs/cli'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const crate = 'chaosprometheus-node'
// A fixed folder: napi-derive writes into it only when the crate compiles,
// so an up-to-date build keeps the declarations of the last one.
const typeDefs = join(root, 'target', 'napi-rs', 'typedefs')
mkdirSync(typeDefs, { recursive: true })

const env = { ...process.env, NAPI_TYPE_DEF_TMP_FOLDER: typeDefs }
if (!readdirSync(typeDefs).some((name) => name.startsWith(crate))) {
  // Compile the crate again even when cargo thinks it is fresh.
  env[`NAPI_FORCE_BUILD_${crate.replace(/-/g, '_').toUpperCase()}`] = String(Date.now())
}
execFileSync('cargo', ['build', '--release', '--locked', '-p', crate], {
  cwd: root,
  env,
  stdio: 'inherit',
})
const library = join(root, 'target', 'release', `lib${crate.replace(/-/g, '_')}.so`)
if (!existsSync(library)) throw new Error(`cargo built no ${library}`)
copyFileSync(library, join(here, 'chaosprometheus.node'))

const { dts } = await generateTypeDef({
  typeDefDir: typeDefs,
  cwd: here,
  configDtsHeaderFile: 'errors.d.ts',
})
writeFileSync(join(here, 'index.d.ts'), dts)
console.log('node package: built chaosprometheus.node and index.d.ts')
