/** Entry point: one mesh model for the page, the test handle on `window.wisp`, then the UI. */
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { render } from 'preact';
import { joinMesh } from './mesh/index';
import { MeshModel } from './models/mesh-model';
import { exposeForTests } from './models/test-hooks';
import { App } from './ui/App';

const model = new MeshModel({ join: joinMesh, search: location.search });
exposeForTests(model);
render(<App model={model} />, document.getElementById('app')!);
void model.start();
// Say goodbye so neighbours drop us at once instead of waiting for the server to notice.
addEventListener('pagehide', () => void model.leave());
