/**
 * `window.wisp`: the handle end-to-end tests (and curious developers in the console) use.
 * `mesh` is the live Mesh object once joined, null before; `echo` is the convention in echo.ts.
 * Part of the test contract: keep these names.
 */
import type { Mesh } from '../mesh/api';
import type { MeshModelInstance } from './mesh-model';

export interface WispHandle {
  readonly mesh: Mesh | null;
  echo(peerId: string, text: string): Promise<string>;
  readonly model: MeshModelInstance;
}

declare global {
  interface Window {
    wisp?: WispHandle;
  }
}

export function exposeForTests(model: MeshModelInstance): void {
  window.wisp = {
    // A getter, so a test that grabbed `window.wisp` early still sees the mesh after a rejoin.
    get mesh() {
      return model.mesh.peek();
    },
    echo: (peerId, text) => model.echo(peerId, text),
    model,
  };
}
