/** Minimal types for autocannon (the package ships none). */
declare module "autocannon" {
  type Histogram = { average: number; p50: number; p90: number; p99: number; max: number };
  export type Result = {
    requests: Histogram & { total: number; sent: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    statusCodeStats: Record<string, { count: number }>;
  };
  type Request = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    setupRequest?: (req: Request) => Request;
  };
  type Options = {
    url: string;
    connections: number;
    duration: number;
    requests?: Request[];
    timeout?: number;
  };
  const autocannon: (options: Options) => Promise<Result>;
  export default autocannon;
}
