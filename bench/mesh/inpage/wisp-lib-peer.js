// A Wisp peer on a blank page of the Wisp origin: `joinMesh` from `/wisp-mesh.js`, no app UI.
// Shows the same DOM test contract as the app (`data-self-id`, rows with `data-peer-id` /
// `data-state`), drawn straight from the mesh's events. Returns at once; the join runs on.
// `slot`: the pages share one browser context, hence one IndexedDB; each needs an identity slot
// of its own or they would all join with one id and replace each other (the app takes a slot per
// tab with Web Locks; a library user has to pass one).
({ position, slot }) => {
  const root = document.createElement('div');
  document.body.append(root);
  const rows = new Map();
  const row = (n) => {
    let el = rows.get(n.id);
    if (!el) {
      el = document.createElement('div');
      el.setAttribute('data-peer-id', n.id);
      rows.set(n.id, el);
      root.append(el);
    }
    el.setAttribute('data-state', n.state);
  };
  import('/wisp-mesh.js')
    .then(({ joinMesh }) => joinMesh({ position, identity: { slot } }))
    .then((mesh) => {
      window.__mesh = mesh;
      root.setAttribute('data-self-id', mesh.id);
      for (const n of mesh.neighbours()) row(n);
      mesh.on('neighbour-added', row);
      mesh.on('neighbour-state', row);
      mesh.on('neighbour-closed', ({ id }) => {
        rows.get(id)?.remove();
        rows.delete(id);
      });
    })
    .catch((err) => root.setAttribute('data-error', String(err)));
}
