// Types for `env` and `exports` from "cloudflare:workers" inside the workerd tests.
declare namespace Cloudflare {
  interface Env extends import('../durable-objects/env').Env {}
  interface Exports {
    default: Fetcher;
  }
}
