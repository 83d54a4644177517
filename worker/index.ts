/** Worker entry: the Hono app and the Durable Object classes wrangler binds. */
import { createApp } from './app';

export { Cell } from '../durable-objects/Cell';
export { Directory } from '../durable-objects/Directory';

export default createApp();
