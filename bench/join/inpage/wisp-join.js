// One timed Wisp join in a fresh page: `joinMesh()` until the first `neighbour-open`. The library
// was imported beforehand (window.__wispLib), so module loading is not part of the time.
async ({ position, variant, timeoutMs }) => {
  const bench = window.__bench;
  const { joinMesh } = window.__wispLib;
  const options = { position };
  // The variant without the ICE-servers fetch: the same ICE configuration as the baselines.
  if (variant === 'no-ice-fetch') Object.assign(options, { iceServers: false, diagnoseNat: false, rtcConfig: { iceServers: [] } });
  // Diagnostic: this page sends each local candidate at once instead of in 50 ms batches.
  if (variant === 'batch-0') options.mesh = { timing: { iceBatchMs: 0 } };
  const t0 = performance.now();
  bench.mark('t0');
  const mesh = await joinMesh(options);
  bench.mark('joined');
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no neighbour-open within ${timeoutMs} ms`)), timeoutMs);
    const done = (n) => {
      clearTimeout(timer);
      resolve(n);
    };
    mesh.on('neighbour-open', done);
    const open = mesh.neighbours().find((n) => n.state === 'open');
    if (open) done(open);
  });
  const t1 = performance.now();
  bench.mark('open');
  window.__mesh = mesh;
  return { ms: t1 - t0, id: mesh.id, neighbour: first.id };
}
