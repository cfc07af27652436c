// The package under test is the one users get: the tarballs scripts/package.sh
// node packed, installed by npm into an empty project with no Rust toolchain
// on PATH (scripts/lib/install-npm.sh), never this checkout's files.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { ROOT } from './servers.mjs'

/** The project the tarballs were installed into. */
export const PROJECT = process.env.CHAOSPROMETHEUS_NODE_PROJECT ?? join(ROOT, 'target', 'node-project')
export const INSTALL = 'scripts/package.sh node && scripts/lib/install-npm.sh target/node-project'

if (!existsSync(join(PROJECT, 'node_modules', 'chaosprometheus', 'package.json'))) {
  throw new Error(`no installed chaosprometheus package in ${PROJECT}: run ${INSTALL}`)
}

/** `require` as a module of the installed project resolves it. */
export const projectRequire = createRequire(join(PROJECT, 'package.json'))

/** The installed package's CommonJS exports. */
export const chaosprometheus = projectRequire('chaosprometheus')
