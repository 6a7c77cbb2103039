/** Response header naming the tier of a degraded answer, for callers that read headers but not bodies. */
export const DEGRADED_HEADER = 'x-steadystate-degraded';
