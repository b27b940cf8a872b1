/** Small helpers shared by the broker tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestService } from '../support/service.js';

// Asynchronous on purpose: the service runs in this process, so a synchronous
// exec would block the very broker the mosquitto client is talking to.
export const exec = promisify(execFile);

export async function metricsText(svc: TestService): Promise<string> {
  return (await svc.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
}

/** The value of one Prometheus sample, 0 when absent. */
export function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).split(' ')[0]!;
    if (wanted.every((w) => labelPart.includes(w))) return Number(line.split(' ').pop());
  }
  return 0;
}

export async function inject(svc: TestService, method: 'PATCH' | 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token: string | null = svc.tokens.admin) {
  const res = await svc.runtime.http.inject({
    method, url, headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined };
}

export function reading(seq: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ seq, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-000001', ...extra });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
