/** True if a provider node answers GET /healthz at `endpoint` within the timeout. */
export async function probeEndpoint(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/healthz', endpoint), {signal: AbortSignal.timeout(timeoutMs)});
    return res.ok;
  } catch {
    return false;
  }
}
