// The npm package as users get it: the tarballs installed by npm into an
// empty project (scripts/lib/install-npm.sh), run with no Rust toolchain on
// PATH; loaded as CommonJS and as an ES module; its declarations checked by
// tsc on an example; the addon and the precompiled component from the
// platform package.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join, sep } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { startPrometheus } from './support/servers.mjs'
import { chaosprometheus, PROJECT, projectRequire } from './support/package.mjs'

const here = dirname(new URL(import.meta.url).pathname)
const VERSION = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')).version

/** `node` run in the project, as its own program would be. */
function nodeInProject(args, env = {}) {
  return execFileSync(process.execPath, args, {
    cwd: PROJECT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  })
}

describe('the installed package', () => {
  test('no Rust toolchain is on PATH', () => {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      for (const tool of ['cargo', 'rustc', 'rustup']) {
        assert.throws(() => execFileSync(join(dir, tool), ['--version'], { stdio: 'ignore' }),
          `${tool} in ${dir}: the tests must run with no Rust toolchain on PATH`)
      }
    }
  })

  test('is the one npm installed, at the workspace version, with its addon from the platform package', () => {
    const main = projectRequire.resolve('chaosprometheus')
    assert.ok(main.startsWith(join(PROJECT, 'node_modules', 'chaosprometheus') + sep), main)
    assert.equal(projectRequire('chaosprometheus/package.json').version, VERSION)
    const platform = projectRequire.resolve('chaosprometheus-linux-x64-gnu/package.json')
    assert.equal(JSON.parse(readFileSync(platform, 'utf8')).version, VERSION)
    const addon = Object.keys(projectRequire.cache).find((path) => path.endsWith('.node'))
    assert.equal(addon, join(dirname(platform), 'chaosprometheus.linux-x64-gnu.node'))
  })

  test('loads the component the platform package ships precompiled, without compiling', async () => {
    // The first load in this process: nothing else here has called it.
    assert.equal(await chaosprometheus.loadComponent(), 'precompiled')
  })
})

describe('CommonJS, ES modules and TypeScript', () => {
  let prometheus
  before(async () => {
    prometheus = await startPrometheus()
  })
  after(() => prometheus?.stop())

  const program = (load) => `${load}
    const probes = new PrometheusProbes({ baseUrl: process.env.PROMETHEUS_URL })
    probes.queryValue('vector(7)').then((value) => {
      console.log(JSON.stringify({ value, probeError: typeof ProbeError }))
    }, (error) => { console.error(error); process.exit(1) })`

  test('an ES module imports it by name and queries Prometheus', () => {
    const out = nodeInProject(['--input-type=module', '-e',
      program("import { PrometheusProbes, ProbeError } from 'chaosprometheus'")],
    { PROMETHEUS_URL: prometheus.url })
    assert.deepEqual(JSON.parse(out), { value: 7, probeError: 'function' })
  })

  test('a CommonJS module requires it by name and queries Prometheus', () => {
    const out = nodeInProject(['--input-type=commonjs', '-e',
      program("const { PrometheusProbes, ProbeError } = require('chaosprometheus')")],
    { PROMETHEUS_URL: prometheus.url })
    assert.deepEqual(JSON.parse(out), { value: 7, probeError: 'function' })
  })

  test('both give the same classes, so instanceof holds across them', () => {
    const out = nodeInProject(['--input-type=module', '-e', `
      import { createRequire } from 'node:module'
      import * as esm from 'chaosprometheus'
      const cjs = createRequire(process.cwd() + '/package.json')('chaosprometheus')
      console.log(JSON.stringify(Object.keys(cjs).filter((name) => esm[name] !== cjs[name])))`])
    assert.deepEqual(JSON.parse(out), [])
  })

  test('the declarations type-check an example program (tsc --noEmit)', () => {
    copyFileSync(join(here, '..', 'examples', 'usage.ts'), join(PROJECT, 'usage.ts'))
    writeFileSync(join(PROJECT, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
        strict: true, noEmit: true, types: [], lib: ['es2022', 'dom'],
      },
      files: ['usage.ts'],
    }))
    const tsc = join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc')
    execFileSync(process.execPath, [tsc, '-p', PROJECT], { encoding: 'utf8' })
    // And a wrong use is refused, so the check is not vacuous.
    writeFileSync(join(PROJECT, 'usage.ts'),
      "import { PrometheusProbes } from 'chaosprometheus'\n" +
      'export async function wrong(): Promise<string> {\n' +
      "  return await new PrometheusProbes({}).queryValue('up')\n}\n")
    assert.throws(() => execFileSync(process.execPath, [tsc, '-p', PROJECT], { encoding: 'utf8' }),
      (error) => /TS2322/.test(String(error.stdout)))
  })
})
