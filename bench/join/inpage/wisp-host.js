// The long-lived Wisp peer every timed join connects to.
async ({ position }) => {
  const mesh = await window.__wispLib.joinMesh({ position });
  window.__mesh = mesh;
  return mesh.id;
}
