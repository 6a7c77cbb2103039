/** PUTs a text exposition as one Pushgateway group (replacing what the group held). */
export async function pushGauges(pushgatewayUrl: string, job: string, body: string): Promise<void> {
  const target = `${pushgatewayUrl.replace(/\/+$/, '')}/metrics/job/${job}`;
  const res = await fetch(target, {
    method: 'PUT',
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`Pushgateway ${target}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
}
