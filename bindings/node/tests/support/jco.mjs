// The bare component under jco: `jco transpile` turns the unmodified
// target/guest/chaosprometheus.wasm (the component the host embeds) into
// an ES module that runs on @bytecodealliance/preview2-shim's WASI and
// wasi:http.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { SETUP } from './servers.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = join(here, '..', '..')
const root = join(packageDir, '..', '..')
export const COMPONENT = join(root, 'target', 'guest', 'chaosprometheus.wasm')
const JCO = join(packageDir, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js')

/** Transpiles the component into a fresh directory and imports it. */
export async function transpiled() {
  if (!existsSync(JCO)) {
    throw new Error(`@bytecodealliance/jco is not installed in bindings/node; run \`${SETUP}\``)
  }
  if (!existsSync(COMPONENT)) {
    throw new Error(`${COMPONENT} is not built; any build of chaosprometheus-host builds it (cargo build --release)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'chaosprometheus-jco-'))
  execFileSync(process.execPath, [JCO, 'transpile', COMPONENT, '-o', dir, '--name', 'chaosprometheus', '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  // jco's output is an ES module importing @bytecodealliance/preview2-shim.
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n')
  symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'))
  const module = await import(pathToFileURL(join(dir, 'chaosprometheus.js')).href)
  return { module, dir }
}

