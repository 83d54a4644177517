// Types for `exports` from "cloudflare:workers" inside the workerd tests. (`env` is cast to
// durable-objects/env's Env where a test needs bindings.)
declare namespace Cloudflare {
  interface Exports {
    default: Fetcher;
  }
}
