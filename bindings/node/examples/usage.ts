// What a TypeScript program writes against the package's declarations
// (index.d.ts). tests/installed.test.mjs copies it into the installed
// project and checks it with `tsc --noEmit`.
import {
  HttpStatusError,
  loadComponent,
  ProbeError,
  PrometheusError,
  PrometheusProbes,
  startRun,
  TransportError,
} from 'chaosprometheus'

export async function steadyState(baseUrl: string): Promise<number> {
  const origin: 'precompiled' | 'cache' | 'compiled' | 'uncached' = await loadComponent()
  console.log(`component: ${origin}`)
  const probes = new PrometheusProbes({ baseUrl, allowHosts: [] })
  try {
    return await probes.queryValue('sum(up)')
  } catch (error) {
    if (error instanceof PrometheusError) console.error(error.errorType, error.message)
    else if (error instanceof HttpStatusError) console.error(error.status)
    else if (error instanceof TransportError) console.error(error.failure)
    else if (error instanceof ProbeError) console.error(error.kind, error.code)
    throw error
  }
}

export async function recordRun(pushgatewayUrl: string): Promise<void> {
  const run = await startRun({ pushgatewayUrl, job: 'chaostoolkit' })
  void run
}
